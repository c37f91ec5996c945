//! The Backstage catalog as a graph, and the questions platform teams ask
//! of it: who owns what, what breaks if something fails, which references
//! dangle, where the cycles are, and what each team's software costs.
//!
//! # Quick start
//!
//! ```
//! use platform_graph::{CatalogGraph, OwnedBy};
//! use platform_model::loader::{LoadOptions, Loader};
//!
//! let catalog = Loader::new(LoadOptions::default())?
//!     .load_str("catalog.yaml", platform_graph::testing::ACME_YAML);
//! let graph = CatalogGraph::from_catalog(&catalog);
//!
//! // What breaks if the payments database goes down?
//! let db = graph.resolve("resource:payments-postgres")?;
//! for hit in graph.impact(&[db]).iter() {
//!     println!("{:>2} {}", hit.depth, graph.entity_ref(hit.entity));
//! }
//!
//! // What does engineering own, through all its teams?
//! let engineering = graph.resolve("group:engineering")?;
//! let owned = graph.owned_by(engineering, &OwnedBy::default())?;
//! assert!(owned.len() > 10);
//!
//! // Typos get suggestions.
//! let err = graph.resolve("resource:payments-postgre").unwrap_err();
//! assert!(err.to_string().contains("did you mean `resource:default/payments-postgres`"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Concepts
//!
//! - [`CatalogGraph`] holds one node per entity plus a placeholder node per
//!   missing target, and one edge per relation pair, stored in its forward
//!   direction (`ownedBy`, `dependsOn`, `partOf`, `memberOf`, `childOf`,
//!   `providesApi`, `consumesApi`) and queried both ways
//!   ([`CatalogGraph::related`] answers all 14 types). Lookups ignore case.
//!   Build it from a loaded [`platform_model::Catalog`] (reference spans
//!   included) or from entities of any source; add and remove entities
//!   incrementally.
//! - Queries: [`owner`](CatalogGraph::owner), [`owned_by`](CatalogGraph::owned_by),
//!   [`members`](CatalogGraph::members), [`dependencies`](CatalogGraph::dependencies)
//!   and [`dependents`](CatalogGraph::dependents) (through APIs),
//!   [`impact`](CatalogGraph::impact), [`parts`](CatalogGraph::parts) of
//!   systems and domains, [`cycles`](CatalogGraph::cycles),
//!   [`bring_up_order`](CatalogGraph::bring_up_order),
//!   [`problems`](CatalogGraph::problems), [`shortest_path`](CatalogGraph::shortest_path)
//!   and [`neighbourhood`](CatalogGraph::neighbourhood).
//! - [`cost`]: attribution from CSV, JSON or OpenCost allocations, shared
//!   resources split, rolled up to groups, systems and domains.
//! - [`dora`]: DORA's four keys from deployments, incidents and commits,
//!   per entity and rolled up to systems, domains and groups, each with
//!   its band; [`nps`]: developer Net Promoter Score from a survey.
//! - [`report`]: several questions answered in one [`GraphReport`] with
//!   [`CatalogGraph::answer`], the JSON and text `platform graph` prints.
//! - Exports: [`to_dot`](CatalogGraph::to_dot), [`to_mermaid`](CatalogGraph::to_mermaid),
//!   [`to_json`](CatalogGraph::to_json).
//!
//! Every traversal uses an explicit queue or stack: a million-long
//! dependency chain cannot overflow the stack, and cycles never loop.
//! Findings are [`GraphProblem`] values (the workspace's
//! [`platform_model::Diagnostic`] with the problem's kind and entity);
//! [`Error`] means a query could not
//! run, such as an unknown reference, and suggests the nearest ones.

pub mod codes;
pub mod cost;
pub mod dora;
mod error;
mod export;
mod graph;
pub mod nps;
mod query;
pub mod report;
#[doc(hidden)]
pub mod testing;

pub use error::Error;
/// The crate's error type under its first name.
#[deprecated(since = "0.1.0", note = "use `platform_graph::Error`")]
pub type GraphError = Error;
pub use graph::{CatalogGraph, DanglingRef, Node, NodeId};
pub use platform_model::EntityKind;
pub use platform_model::relations::RelationType;
pub use platform_model::{Entity, EntityRef, RefError};
pub use query::{
    BringUpOrder, Cycle, CycleKind, ELIDED, GraphProblem, Owned, OwnedBy, OwnedReport, PathReport,
    ProblemKind, Reach, Reached, ReportOptions, Step, Subgraph, Traversal, Via,
};
pub use report::{CycleReport, GraphReport, Questions};
