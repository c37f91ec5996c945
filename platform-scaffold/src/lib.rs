//! Backstage software templates (`scaffolder.backstage.io/v1beta3`) run
//! offline: parameter validation, `${{ }}` rendering, the step engine,
//! built-in actions and dry-run.
//!
//! This crate is being built (see the workspace's issue tracker); for now it
//! only re-exports the Template types from `platform-model`.
//!
//! ```
//! use platform_scaffold::TemplateSpec;
//! let spec: TemplateSpec = serde_json::from_value(serde_json::json!({
//!     "type": "service",
//!     "steps": [{"id": "log", "action": "debug:log", "input": {"message": "hi"}}]
//! }))?;
//! assert_eq!(spec.steps[0].action, "debug:log");
//! # Ok::<(), serde_json::Error>(())
//! ```

pub use platform_model::entity::{TemplateSpec, TemplateStep};
