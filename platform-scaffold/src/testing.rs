//! Testing templates in CI: run a template with values into memory and
//! compare the file tree with a snapshot.
//!
//! ```
//! use platform_scaffold::testing::{render_template, snapshot_tree};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join("skeleton"))?;
//! std::fs::write(dir.path().join("skeleton/catalog-info.yaml"), "metadata:\n  name: ${{ values.name }}\n")?;
//! std::fs::write(dir.path().join("template.yaml"), "apiVersion: scaffolder.backstage.io/v1beta3
//! kind: Template
//! metadata: {name: t}
//! spec:
//!   type: service
//!   steps:
//!     - {action: fetch:template, input: {url: ./skeleton, values: {name: '${{ parameters.name }}'}}}
//! ")?;
//! let files = render_template(&dir.path().join("template.yaml"), &serde_json::json!({"name": "billing"}))?;
//! // In a test: insta::assert_snapshot!(snapshot_tree(&files));
//! assert_eq!(snapshot_tree(&files), "--- catalog-info.yaml\nmetadata:\n  name: billing\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Templates that use actions beyond the built-ins (`github:*`,
//! `http:backstage:request`, your own) go through [`render_with`] with a
//! [`Scaffolder`] whose registry has them; actions without dry-run support
//! are skipped and give example outputs.

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
        .with_options(RunOptions::default().with_strict(true));
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
