//! Every diagnostic code `platform-graph` reports ([`crate::ProblemKind::code`]),
//! in the workspace's style: `graph.<what>`.

/// A relation targets an entity that does not exist.
pub const DANGLING_REF: &str = "graph.dangling-ref";
/// An entity that needs an owner has none.
pub const NO_OWNER: &str = "graph.no-owner";
/// The owner an entity names does not exist.
pub const MISSING_OWNER: &str = "graph.missing-owner";
/// The owner is neither a group nor a user.
pub const OWNER_KIND: &str = "graph.owner-kind";
/// A group without members or child groups.
pub const EMPTY_GROUP: &str = "graph.empty-group";
/// An API no component provides or consumes.
pub const UNUSED_API: &str = "graph.unused-api";
/// An API that is consumed but provided by no component.
pub const API_WITHOUT_PROVIDER: &str = "graph.api-without-provider";
/// A cycle of dependencies, ownership or structure.
pub const CYCLE: &str = "graph.cycle";

/// Every code above.
pub const ALL: &[&str] = &[
    DANGLING_REF,
    NO_OWNER,
    MISSING_OWNER,
    OWNER_KIND,
    EMPTY_GROUP,
    UNUSED_API,
    API_WITHOUT_PROVIDER,
    CYCLE,
];
