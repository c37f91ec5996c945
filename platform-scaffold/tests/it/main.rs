//! Integration tests of platform-scaffold: `fetch:template`'s behaviour
//! matrix, the step engine, the advisories' scenarios, lint, publishing
//! and HTTP, and the Acme template.

mod acme;
mod cookiecutter;
mod engine;
mod fetch;
#[cfg(feature = "hosting-api")]
mod github_api;
#[cfg(feature = "hosting-api")]
mod gitlab_api;
mod hostile;
mod lint;
#[cfg(feature = "hosting-api")]
mod loopback;
mod properties;
mod publish;
mod published;
mod security;

use std::path::{Path, PathBuf};

use platform_scaffold::actions::{Action, ActionContext, ActionRegistry};
use platform_scaffold::{Error, Scaffolder, Template};
use serde_json::{Value, json};

/// The fixtures directory.
pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Writes `template.yaml` (the v1beta3 envelope around `spec`) into `dir`
/// and loads it.
pub(crate) fn template_in(dir: &Path, spec: &str) -> Template {
    let text = format!(
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: test\nspec:\n  type: service\n{spec}"
    );
    std::fs::write(dir.join("template.yaml"), text).expect("write template");
    Template::load(&dir.join("template.yaml")).expect("valid template")
}

/// Outputs its input as `echo`, and every key of it as an output.
pub(crate) struct Echo;

impl Action for Echo {
    fn id(&self) -> &str {
        "test:echo"
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object"})
    }
    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"echo": {"type": "object"}}})
    }
    fn supports_dry_run(&self) -> bool {
        true
    }
    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input = Value::Object(ctx.input().clone());
        ctx.log(&format!("echo {input}"));
        ctx.output("echo", input);
        Ok(())
    }
}

/// Always fails.
pub(crate) struct Fail;

impl Action for Fail {
    fn id(&self) -> &str {
        "test:fail"
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object"})
    }
    fn run(&self, _ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        Err(Error::Failed("boom".into()))
    }
}

/// The built-ins plus `test:echo` and `test:fail`.
pub(crate) fn scaffolder() -> Scaffolder {
    let mut registry = ActionRegistry::with_builtins();
    registry.register(Echo).register(Fail);
    Scaffolder::new(registry)
}
