//! Run Backstage software templates (`scaffolder.backstage.io/v1beta3`)
//! offline, as a library: Backstage's results, safe by construction.
//!
//! - [`Template`] reads and validates a template file, every problem
//!   located.
//! - [`prepare_parameters`] checks values against the parameter pages
//!   (JSON Schema draft-07, `when`, defaults); [`check_secrets`] checks the
//!   secrets schema.
//! - [`render`] renders `${{ }}` with Backstage's semantics (type
//!   preservation, lenient undefined, JavaScript-style text) or strictly.
//! - [`Scaffolder`] runs the steps ([`actions`] holds the [`Action`](actions::Action)
//!   trait, the registry and the built-ins), into a staging directory that
//!   becomes the output only when every step succeeded, or as a dry run.
//! - [`lint()`] checks a template without running it; [`testing`] snapshots
//!   the files a template produces.
//! - [`Secrets`] cannot be printed, and are redacted from every log line,
//!   values derived from them included.
//!
//! ```
//! use platform_scaffold::{Scaffolder, Secrets, Target, Template, actions::ActionRegistry};
//! use serde_json::json;
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join("skeleton/${{ values.name }}"))?;
//! std::fs::write(dir.path().join("skeleton/${{ values.name }}/README.md"), "# ${{ values.name | upper }}\n")?;
//! std::fs::write(dir.path().join("template.yaml"), r#"
//! apiVersion: scaffolder.backstage.io/v1beta3
//! kind: Template
//! metadata: {name: readme}
//! spec:
//!   type: service
//!   parameters:
//!     - required: [name]
//!       properties: {name: {type: string, pattern: '^[a-z-]+$'}}
//!   steps:
//!     - id: fetch
//!       action: fetch:template
//!       input: {url: ./skeleton, values: {name: '${{ parameters.name }}'}}
//!   output:
//!     text: [{title: Created, content: '${{ parameters.name }}'}]
//! "#)?;
//! let template = Template::load(&dir.path().join("template.yaml"))?;
//! let scaffolder = Scaffolder::new(ActionRegistry::with_builtins());
//! let report = scaffolder.run(&template, &json!({"name": "billing"}), &Secrets::new(), Target::Memory)?;
//! assert_eq!(report.files[0].path, "billing/README.md");
//! assert_eq!(report.files[0].text(), Some("# BILLING\n"));
//! assert_eq!(report.output["text"][0]["content"], "billing");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// Deprecated forwarding setters for names renamed to the `with_` style;
/// they go in the next minor version.
macro_rules! deprecated_setters {
    ($ty:ty { $($old:ident => $new:ident($($arg:ident: $argty:ty),*)),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Deprecated name of [`", stringify!($new), "`](Self::", stringify!($new), ").")]
                #[deprecated(since = "0.1.1", note = "use the `with_` name")]
                pub fn $old(self, $($arg: $argty),*) -> Self {
                    self.$new($($arg),*)
                }
            )*
        }
    };
}

pub mod actions;
mod error;
mod events;
mod files;
mod formats;
pub mod lint;
mod location;
mod parameters;
pub mod render;
mod runner;
mod schema;
mod secrets;
mod template;
pub mod testing;
mod workspace;

pub use error::{Error, ParameterError};
pub use events::{CancelToken, Event, LogBody, LogLine, Observer, StepStatus};
pub use files::{Change, DryRunFile, FileChange, FileEntry, diff_against, snapshot_tree};
pub use lint::{lint, lint_against};
pub use parameters::{check_secrets, prepare_parameters};
pub use runner::{
    DryRunReport, RunFailure, RunOptions, RunReport, Scaffolder, StepReport, Target, Warning,
};
pub use secrets::{Secret, Secrets};
pub use template::{API_VERSION, Page, Step, Template};
pub use workspace::{MAX_AUDIT_ENTRIES, Workspace, is_git_metadata};
