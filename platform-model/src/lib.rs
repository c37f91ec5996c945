//! Backstage catalog entities for Rust: typed models, entity references,
//! Backstage-exact validation, relations and loading, with every problem
//! located at `file:line:column`.
//!
//! This is the bottom layer of the `platform-*` workspace: the graph,
//! scaffolder and policy crates all build on its types, and its [`Span`]
//! and [`Diagnostic`] are shared by all of them.
//!
//! # Quick start
//!
//! ```
//! use platform_model::loader::{LoadOptions, Loader};
//!
//! let catalog = Loader::new(LoadOptions::default())?.load_str(
//!     "catalog-info.yaml",
//!     "apiVersion: backstage.io/v1alpha1
//! kind: Component
//! metadata:
//!   name: payment-service
//!   tags: [payments, PCI]
//! spec:
//!   type: service
//!   lifecycle: production
//!   owner: group:payments-team
//! ",
//! );
//! assert!(!catalog.is_valid());
//! let problem = catalog.diagnostics().next().unwrap();
//! assert_eq!(problem.code, "entity.field-format");
//! assert_eq!(problem.path.as_deref(), Some("/metadata/tags/1"));
//! let span = problem.span.as_ref().unwrap();
//! assert_eq!((span.line, span.column), (5, 20));
//! assert!(problem.message.starts_with("\"tags.1\" is not valid;"));
//! # Ok::<(), platform_model::Error>(())
//! ```
//!
//! # Concepts
//!
//! - [`Entity`] is the envelope (`apiVersion`, `kind`, [`EntityMeta`], a
//!   typed [`EntitySpec`]); unknown kinds and fields are kept, so entities
//!   round-trip.
//! - [`EntityRef`] parses `[kind:][namespace/]name` exactly as Backstage
//!   does, prints lowercased and compares case-insensitively.
//! - [`validate::Validator`] gives Backstage's verdict, in Backstage's order
//!   and with its messages, either stopping at the first failure (as
//!   Backstage does) or reporting every problem ([`validate::ValidationMode`]).
//!   Field rules can be overridden as with Backstage's `makeValidator`, and
//!   custom kinds plug in through [`validate::KindValidator`].
//! - [`relations`] derives the 14 relation types from spec fields.
//! - [`loader::Loader`] reads a file, a directory tree (honouring
//!   `.gitignore`) or a root Location and the Locations it leads to, resolves
//!   `$text`/`$json`/`$yaml` placeholders, and never reads outside the root.
//! - [`yaml`] is the safe YAML layer: multi-document, YAML 1.2 core schema,
//!   duplicate keys rejected, budgets against alias bombs and deep nesting,
//!   and a span for every key and value.
//! - [`synthetic::SyntheticOrg`] generates realistic catalogs of any size.
//!
//! # Errors and diagnostics
//!
//! Problems found in the input are [`Diagnostic`] values (code, severity,
//! message, JSON pointer, span) collected in lists; `Err` ([`Error`]) only
//! means a load could not run at all, such as a missing root path.
//!
//! # Limits
//!
//! Every input path is bounded: [`yaml::YamlBudget`] caps file size,
//! documents, nesting depth, nodes, aliases and scalar bytes per file,
//! counting what aliases expand to; the YAML tree is built without
//! recursion; placeholders share one budget per load
//! ([`loader::LoadOptions::with_max_placeholder_bytes`]); and
//! [`files::read_limited`] reads only regular files, never blocking. The
//! workspace README's *Threat model and limits* lists every limit.
//!
//! # Features
//!
//! - `schema`: [`schema`] exports a JSON Schema per kind (draft-07) for
//!   editors such as yaml-language-server.
//! - `render`: [`render`] draws diagnostics rustc-style with source snippets.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod app_config;
pub mod catalog_rules;
pub mod codes;
pub mod diagnostic;
pub mod entity;
pub mod entity_ref;
mod error;
pub mod files;
pub mod loader;
pub mod pointer;
pub mod relations;
#[cfg(feature = "render")]
pub mod render;
pub mod report;
#[cfg(feature = "schema")]
pub mod schema;
pub mod span;
pub mod synthetic;
pub mod validate;
pub mod yaml;

pub use diagnostic::{Diagnostic, DiagnosticRecord, Severity};
pub use entity::{Entity, EntityKind, EntityMeta, EntitySpec};
pub use entity_ref::{EntityRef, RefError};
pub use error::Error;
pub use loader::{Catalog, LoadOptions, Loader};
pub use pointer::Pointer;
pub use span::Span;
