//! Golden-path checks over Kubernetes manifests, Helm values, Dockerfiles
//! and catalog entities, with reports as text, JSON and SARIF.
//!
//! This crate is being built (see the workspace's issue tracker); for now it
//! only re-exports the diagnostic types every check will report with.
//!
//! ```
//! use platform_policy::{Diagnostic, Severity};
//! let finding = Diagnostic::warning("k8s.image-tag", "image uses the `latest` tag");
//! assert_eq!(finding.severity, Severity::Warning);
//! ```

pub use platform_model::{Diagnostic, Severity, Span};
