//! `fetch:cookiecutter`, as the cookiecutter module runs it with a local
//! `cookiecutter`: the skeleton becomes the project directory of a
//! cookiecutter template whose `cookiecutter.json` is the skeleton's own
//! merged with `values` (values win, plus `_copy_without_render` and
//! `_extensions`), `cookiecutter --no-input` renders it, and the rendered
//! project lands in `targetPath`.
//!
//! Cookiecutter renders with Jinja outside any sandbox, in a Python
//! process: a template can run code there. So the action is never a
//! built-in: an embedder registers it with the program to run
//! ([`FetchCookiecutter::new`]), for templates it trusts, and the CLI only
//! with `--cookiecutter PROGRAM`. What it can do is still bounded here:
//! hooks are off (`--accept-hooks no`), Jinja extensions must be plain
//! dotted module names outside the template, the environment is emptied
//! (a private `HOME`), the run has a time limit, and the result is copied
//! into the workspace through the same confinement as `fetch:*` (links
//! that lead out refused).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::skeleton::{self, Kind, WalkLimits};
use super::{Action, ActionContext, object_schema};
use crate::Error;

/// The name of the project directory, as the module names it: a
/// cookiecutter expression that renders to `contents`.
const PROJECT_DIR: &str = "{{cookiecutter and 'contents'}}";

/// Largest skeleton `cookiecutter.json` read.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// `fetch:cookiecutter` with a local `cookiecutter` program.
#[derive(Clone, Debug)]
pub struct FetchCookiecutter {
    program: PathBuf,
    timeout: Duration,
    limits: WalkLimits,
}

impl FetchCookiecutter {
    /// Runs `program` (a path, or a name looked up on `PATH`) for
    /// templates the embedder trusts (see the module docs).
    #[must_use]
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            timeout: Duration::from_secs(600),
            limits: WalkLimits {
                max_entries: 100_000,
                max_file_bytes: 256 * 1024 * 1024,
            },
        }
    }

    /// The longest a run may take (default 10 minutes).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CookiecutterInput {
    url: String,
    values: Map<String, Value>,
    #[serde(default)]
    target_path: Option<String>,
    #[serde(default)]
    copy_without_render: Option<Vec<String>>,
    #[serde(default)]
    extensions: Option<Vec<String>>,
}

/// A Jinja extension cookiecutter may import: a dotted name of identifiers
/// whose first part is not the template's own directory.
fn plain_extension(name: &str) -> bool {
    let mut parts = name.split('.');
    let first = parts.next().unwrap_or_default();
    first != "contents"
        && first != "local_extensions"
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        })
}

impl FetchCookiecutter {
    /// Copies the skeleton into the project directory of `template_dir`.
    fn copy_skeleton(&self, from: &Path, to: &Path, url: &str) -> Result<(), Error> {
        for entry in skeleton::walk(from, self.limits, url)? {
            let target = to.join(&entry.path);
            match &entry.kind {
                Kind::Dir => {
                    std::fs::create_dir_all(&target).map_err(|e| Error::io(&entry.path, &e))?
                }
                Kind::File { .. } => {
                    let bytes = skeleton::read_file(from, &entry, self.limits)?;
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| Error::io(&entry.path, &e))?;
                    }
                    std::fs::write(&target, bytes).map_err(|e| Error::io(&entry.path, &e))?;
                }
                // Links are left out of what cookiecutter reads: it would
                // follow them.
                Kind::Symlink { .. } => {}
            }
        }
        Ok(())
    }

    /// Runs the program with an empty environment and a time limit.
    fn run_program(
        &self,
        ctx: &mut ActionContext<'_>,
        template_dir: &Path,
        output: &Path,
        home: &Path,
    ) -> Result<(), Error> {
        let mut child = Command::new(&self.program)
            .args(["--no-input", "--accept-hooks", "no", "-o"])
            .arg(output)
            .arg(template_dir)
            .current_dir(home)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::Failed(format!(
                    "cookiecutter is not installed (`{}` was not found)",
                    self.program.display()
                )),
                kind => Error::Failed(format!("cookiecutter could not be started: {kind}")),
            })?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child
                .try_wait()
                .map_err(|e| Error::Failed(format!("cookiecutter: {}", e.kind())))?
            {
                break status;
            }
            if started.elapsed() > self.timeout || ctx.is_cancelled() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Failed(format!(
                    "cookiecutter did not finish within {} s",
                    self.timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(pipe) = child.stderr.take() {
            use std::io::Read;
            let _ = pipe.take(64 * 1024).read_to_string(&mut stderr);
        }
        if !status.success() {
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            let hidden = last.replace(&*home.to_string_lossy(), "<workdir>");
            return Err(Error::Failed(format!(
                "Command cookiecutter failed, exit code: {}{}",
                status
                    .code()
                    .map_or_else(|| "signal".to_owned(), |c| c.to_string()),
                if hidden.is_empty() {
                    String::new()
                } else {
                    format!(": {hidden}")
                }
            )));
        }
        Ok(())
    }
}

impl Action for FetchCookiecutter {
    fn id(&self) -> &str {
        "fetch:cookiecutter"
    }

    fn description(&self) -> &str {
        "Renders a skeleton with cookiecutter (a local program, for trusted templates) and writes it into the workspace."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({
                "url": {"type": "string"},
                "targetPath": {"type": "string"},
                "values": {"type": "object"},
                "copyWithoutRender": {"type": "array", "items": {"type": "string"}},
                "extensions": {"type": "array", "items": {"type": "string"}},
                "imageName": {"type": "string"},
            }),
            &["url", "values"],
        )
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {}})
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: CookiecutterInput = ctx.input_as(self.id())?;
        let base = input.target_path.clone().unwrap_or_else(|| "./".into());
        ctx.workspace().resolve(&base)?;
        let root = super::fetch::source(ctx, &input.url)?;
        let work = crate::workspace::private_tempdir("platform-scaffold-cookiecutter-", None)
            .map_err(|e| Error::io("a temporary directory", &e))?;
        let template_dir = work.path().join("template");
        let project = template_dir.join(PROJECT_DIR);
        std::fs::create_dir_all(&project).map_err(|e| Error::io("the template directory", &e))?;
        self.copy_skeleton(&root, &project, &input.url)?;
        let mut config = match crate::workspace::read_limited(
            &project.join("cookiecutter.json"),
            MAX_CONFIG_BYTES,
            "cookiecutter.json",
        ) {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(Error::InvalidInput(format!(
                        "`{}/cookiecutter.json` is not a JSON object",
                        input.url
                    )));
                }
            },
            Err(_) => Map::new(),
        };
        for (key, value) in input.values {
            config.insert(key, value);
        }
        if let Some(globs) = input.copy_without_render {
            config.insert("_copy_without_render".into(), json!(globs));
        }
        if let Some(extensions) = input.extensions {
            config.insert("_extensions".into(), json!(extensions));
        }
        if let Some(extensions) = config.get("_extensions") {
            let names = extensions.as_array().cloned().unwrap_or_default();
            if let Some(bad) = names
                .iter()
                .find(|n| !n.as_str().is_some_and(plain_extension))
            {
                return Err(Error::NotAllowed(format!(
                    "the Jinja extension {bad} is not allowed: only dotted module names installed beside cookiecutter, never the template's own code"
                )));
            }
        }
        let text = serde_json::to_string_pretty(&Value::Object(config))
            .map_err(|e| Error::Failed(e.to_string()))?;
        std::fs::write(template_dir.join("cookiecutter.json"), text)
            .map_err(|e| Error::io("cookiecutter.json", &e))?;
        let output = work.path().join("intermediate");
        let home = work.path().join("home");
        for dir in [&output, &home] {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("a temporary directory", &e))?;
        }
        ctx.log("running cookiecutter (hooks off)");
        self.run_program(ctx, &template_dir, &output, &home)?;
        let produced = std::fs::read_dir(&output)
            .map_err(|e| Error::io("the cookiecutter output", &e))?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
            .ok_or_else(|| Error::Failed("No data generated by cookiecutter".into()))?;
        let mut written = 0usize;
        for entry in skeleton::walk(&produced, self.limits, "the cookiecutter output")? {
            ctx.check_cancelled()?;
            let target = skeleton::join(&base, &entry.path);
            match &entry.kind {
                Kind::Dir => {
                    let path = ctx.workspace().resolve(&target)?;
                    std::fs::create_dir_all(path).map_err(|e| Error::io(&target, &e))?;
                }
                Kind::File { mode, .. } => {
                    let bytes = skeleton::read_file(&produced, &entry, self.limits)?;
                    skeleton::write_file(ctx.workspace(), &target, &bytes, Some(*mode))?;
                    written += 1;
                }
                Kind::Symlink { target: link } => {
                    skeleton::write_symlink(ctx.workspace(), &target, link)?
                }
            }
        }
        ctx.log(&format!("cookiecutter wrote {written} file(s) to {base}"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_installed_modules_only() {
        assert!(plain_extension("jinja2_time.TimeExtension"));
        assert!(!plain_extension("contents.evil.Ext"));
        assert!(!plain_extension("local_extensions.X"));
        assert!(!plain_extension("os; import x"));
        assert!(!plain_extension("a..b"));
    }
}
