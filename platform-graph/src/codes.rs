//! Every diagnostic code `platform-graph` reports ([`crate::ProblemKind::code`]),
//! and the delivery metrics ([`crate::dora`], [`crate::nps`]), in the
//! workspace's style: `graph.<what>`, `dora.<what>`, `nps.<what>`.

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

/// A deployment or incident file that is not in a format read.
pub const DORA_FORMAT: &str = "dora.format";
/// A row without a required field, or a field of the wrong type.
pub const DORA_FIELD: &str = "dora.field";
/// A time that is not an RFC 3339 timestamp.
pub const DORA_TIMESTAMP: &str = "dora.timestamp";
/// A deployment status that is neither success nor failure.
pub const DORA_STATUS: &str = "dora.status";
/// A GitHub deployment without a final status yet.
pub const DORA_PENDING: &str = "dora.pending";
/// A second event with an id already used.
pub const DORA_DUPLICATE_ID: &str = "dora.duplicate-id";
/// An incident resolved before it started, or a commit after its deployment.
pub const DORA_ORDER: &str = "dora.order";
/// A deployed commit the repository does not have.
pub const DORA_UNKNOWN_COMMIT: &str = "dora.unknown-commit";
/// A thresholds file that cannot be read.
pub const DORA_THRESHOLDS: &str = "dora.thresholds";
/// A survey row whose score is not a whole number from 0 to 10.
pub const NPS_SCORE: &str = "nps.score";
/// A survey file without a score column, or not CSV.
pub const NPS_FORMAT: &str = "nps.format";

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
    DORA_FORMAT,
    DORA_FIELD,
    DORA_TIMESTAMP,
    DORA_STATUS,
    DORA_PENDING,
    DORA_DUPLICATE_ID,
    DORA_ORDER,
    DORA_UNKNOWN_COMMIT,
    DORA_THRESHOLDS,
    NPS_SCORE,
    NPS_FORMAT,
];
