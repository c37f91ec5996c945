//! `debug:log` and `debug:wait`.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::skeleton::{self, Kind, WalkLimits};
use super::{Action, ActionContext, object_schema};
use crate::Error;

/// Most bytes of one file `debug:log` prints with `with-contents`.
const MAX_LOGGED_FILE: usize = 64 * 1024;

/// `debug:log`: writes a message, and optionally the workspace's files.
#[derive(Clone, Copy, Debug, Default)]
pub struct DebugLog;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogInput {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    list_workspace: Option<Value>,
}

impl Action for DebugLog {
    fn id(&self) -> &str {
        "debug:log"
    }

    fn description(&self) -> &str {
        "Writes a message to the log, and optionally lists the workspace (with file contents)."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({
                "message": {"type": "string"},
                "listWorkspace": {"oneOf": [{"type": "boolean"}, {"enum": ["with-filenames", "with-contents"]}]},
            }),
            &[],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: LogInput = ctx.input_as(self.id())?;
        // Backstage's action logs its whole input first, as indented JSON.
        let echoed = serde_json::to_string_pretty(ctx.input())
            .map_err(|e| Error::InvalidInput(format!("{}: {e}", self.id())))?;
        ctx.log(&echoed);
        if let Some(message) = &input.message {
            ctx.log(message);
        }
        let (list, contents) = match &input.list_workspace {
            Some(Value::Bool(true)) => (true, false),
            Some(Value::String(s)) if s == "with-filenames" => (true, false),
            Some(Value::String(s)) if s == "with-contents" => (true, true),
            _ => (false, false),
        };
        if !list {
            return Ok(());
        }
        let limits = WalkLimits {
            max_entries: 100_000,
            max_file_bytes: u64::MAX,
        };
        let entries = skeleton::walk(ctx.workspace().root(), limits, "the workspace")?;
        let mut lines = vec!["Workspace:".to_owned()];
        for entry in entries.iter().filter(|e| e.kind != Kind::Dir) {
            if contents && matches!(entry.kind, Kind::File { .. }) {
                // Read through the workspace so that nothing outside is shown.
                let bytes = ctx.workspace().read(&entry.path, usize::MAX)?;
                let shown = &bytes[..bytes.len().min(MAX_LOGGED_FILE)];
                lines.push(format!(
                    "  - {}:\n{}",
                    entry.path,
                    String::from_utf8_lossy(shown)
                ));
            } else {
                lines.push(format!("  - {}", entry.path));
            }
        }
        ctx.log(&lines.join("\n"));
        Ok(())
    }
}

/// `debug:wait`: sleeps, at most a configured maximum, stopping on cancel.
#[derive(Clone, Copy, Debug)]
pub struct DebugWait {
    max: Duration,
}

impl Default for DebugWait {
    fn default() -> Self {
        Self {
            max: Duration::from_secs(600),
        }
    }
}

impl DebugWait {
    /// With another maximum (Backstage's default is ten minutes).
    #[must_use]
    pub fn with_max(max: Duration) -> Self {
        Self { max }
    }
}

#[derive(Deserialize)]
struct WaitInput {
    #[serde(default)]
    minutes: Option<f64>,
    #[serde(default)]
    seconds: Option<f64>,
    #[serde(default)]
    milliseconds: Option<f64>,
}

impl Action for DebugWait {
    fn id(&self) -> &str {
        "debug:wait"
    }

    fn description(&self) -> &str {
        "Waits for a while (bounded, and stopped by cancellation)."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"minutes": {"type": "number", "minimum": 0}, "seconds": {"type": "number", "minimum": 0}, "milliseconds": {"type": "number", "minimum": 0}}),
            &[],
        )
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: WaitInput = ctx.input_as(self.id())?;
        let millis = input.minutes.unwrap_or(0.0) * 60_000.0
            + input.seconds.unwrap_or(0.0) * 1000.0
            + input.milliseconds.unwrap_or(0.0);
        let max = self.max.as_secs_f64() * 1000.0;
        if !millis.is_finite() || millis > max {
            return Err(Error::InvalidInput(format!(
                "Waiting duration is longer than the maximum threshold of {} seconds",
                self.max.as_secs()
            )));
        }
        let total = Duration::from_secs_f64(millis.max(0.0) / 1000.0);
        let start = Instant::now();
        while start.elapsed() < total {
            ctx.check_cancelled()?;
            std::thread::sleep((total - start.elapsed()).min(Duration::from_millis(20)));
        }
        Ok(())
    }
}
