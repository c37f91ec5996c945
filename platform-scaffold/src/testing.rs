//! Testing templates in CI: run a template with values into memory and
//! compare the file tree with a snapshot.
//!
//! ```no_run
//! use platform_scaffold::testing::{render_template, snapshot_tree};
//! use std::path::Path;
//!
//! let values = serde_json::json!({"name": "payment-processor", "owner": "payments-team", "description": "Pays"});
//! let files = render_template(Path::new("templates/new-go-service/template.yaml"), &values)?;
//! // With insta: insta::assert_snapshot!(snapshot_tree(&files));
//! assert!(snapshot_tree(&files).contains("--- catalog-info.yaml"));
//! # Ok::<(), platform_scaffold::Error>(())
//! ```

use std::path::Path;

use serde_json::Value;

use crate::Error;
use crate::actions::ActionRegistry;
use crate::files::FileEntry;
pub use crate::files::snapshot_tree;
use crate::runner::{RunOptions, Scaffolder, Target};
use crate::secrets::Secrets;
use crate::template::Template;

/// Runs the template at `path` with the built-in actions, in strict mode,
/// as a dry run (actions with outside effects are skipped), and returns
/// the files it produced.
///
/// # Errors
///
/// Any error of loading or running the template.
pub fn render_template(path: &Path, values: &Value) -> Result<Vec<FileEntry>, Error> {
    let template = Template::load(path)?;
    let scaffolder = Scaffolder::new(ActionRegistry::with_builtins())
        .with_options(RunOptions::default().strict(true));
    render_with(&scaffolder, &template, values, &Secrets::new())
}

/// Runs `template` with a scaffolder of your own (your actions and
/// options), as a dry run, and returns the files.
///
/// # Errors
///
/// Any error of running the template.
pub fn render_with(
    scaffolder: &Scaffolder,
    template: &Template,
    values: &Value,
    secrets: &Secrets,
) -> Result<Vec<FileEntry>, Error> {
    Ok(scaffolder.dry_run(template, values, secrets)?.entries)
}

/// Runs `template` for real into memory (every action runs) and returns
/// the files.
///
/// # Errors
///
/// Any error of running the template.
pub fn run_in_memory(
    scaffolder: &Scaffolder,
    template: &Template,
    values: &Value,
    secrets: &Secrets,
) -> Result<Vec<FileEntry>, Error> {
    Ok(scaffolder
        .run(template, values, secrets, Target::Memory)?
        .files)
}
