//! `fs:delete`, `fs:rename` and `fs:readdir`, confined to the workspace:
//! globs are expanded by walking the workspace without following symlinks,
//! and links are removed or renamed themselves, never their targets.

use serde::Deserialize;
use serde_json::{Value, json};

use super::skeleton::{self, Globs, Kind, WalkLimits};
use super::{Action, ActionContext, object_schema};
use crate::Error;

const LIMITS: WalkLimits = WalkLimits {
    max_entries: 1_000_000,
    max_file_bytes: u64::MAX,
};

/// Refuses patterns that are absolute or climb out with `..`.
fn confined_pattern(pattern: &str) -> Result<String, Error> {
    let trimmed = pattern.trim_start_matches("./");
    let mut depth: i64 = 0;
    for part in trimmed.split('/') {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            break;
        }
    }
    if pattern.starts_with('/') || depth < 0 || trimmed.split('/').any(|p| p == "..") {
        return Err(Error::NotAllowed(format!(
            "`{pattern}` refers to a path outside the workspace"
        )));
    }
    Ok(trimmed.to_owned())
}

/// `fs:delete`: removes files and directories matching globs.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsDelete;

#[derive(Deserialize)]
struct DeleteInput {
    files: Vec<String>,
}

impl Action for FsDelete {
    fn id(&self) -> &str {
        "fs:delete"
    }

    fn description(&self) -> &str {
        "Deletes files and directories of the workspace matching glob patterns."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"files": {"type": "array", "items": {"type": "string"}, "description": "Globs of paths to delete"}}),
            &["files"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: DeleteInput = ctx.input_as(self.id())?;
        let patterns = input
            .files
            .iter()
            .map(|p| confined_pattern(p))
            .collect::<Result<Vec<_>, _>>()?;
        let globs = Globs::new(&patterns, self.id())?;
        let entries = skeleton::walk(ctx.workspace().root(), LIMITS, "the workspace")?;
        let mut removed: Vec<String> = Vec::new();
        for entry in entries {
            if !globs.matches(&entry.path)
                || removed
                    .iter()
                    .any(|r| entry.path.starts_with(&format!("{r}/")))
            {
                continue;
            }
            let path = ctx.workspace().resolve_entry(&entry.path)?;
            skeleton::remove_entry(&path, &entry.path)?;
            removed.push(entry.path);
        }
        ctx.log(&format!("deleted {} path(s)", removed.len()));
        Ok(())
    }
}

/// `fs:rename`: moves files and directories inside the workspace.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsRename;

#[derive(Deserialize)]
struct RenameInput {
    files: Vec<RenamePair>,
}

#[derive(Deserialize)]
struct RenamePair {
    from: String,
    to: String,
    #[serde(default)]
    overwrite: bool,
}

impl Action for FsRename {
    fn id(&self) -> &str {
        "fs:rename"
    }

    fn description(&self) -> &str {
        "Renames files and directories of the workspace."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"files": {"type": "array", "items": {
                "type": "object", "required": ["from", "to"], "additionalProperties": false,
                "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "overwrite": {"type": "boolean"}}}}}),
            &["files"],
        )
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: RenameInput = ctx.input_as(self.id())?;
        for pair in input.files {
            let from = ctx.workspace().resolve_entry(&pair.from)?;
            let to = ctx.workspace().resolve_entry(&pair.to)?;
            std::fs::symlink_metadata(&from).map_err(|e| Error::io(&pair.from, &e))?;
            if std::fs::symlink_metadata(&to).is_ok() {
                if !pair.overwrite {
                    return Err(Error::Failed(format!(
                        "cannot rename {} to {}: the target exists and overwrite is false",
                        pair.from, pair.to
                    )));
                }
                skeleton::remove_entry(&to, &pair.to)?;
            }
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(&pair.to, &e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| Error::io(&pair.from, &e))?;
            ctx.log(&format!("renamed {} to {}", pair.from, pair.to));
        }
        Ok(())
    }
}

/// `fs:readdir`: lists directories of the workspace.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsReadDir;

#[derive(Deserialize)]
struct ReadDirInput {
    paths: Vec<String>,
    #[serde(default)]
    recursive: bool,
}

fn listing_schema() -> Value {
    json!({"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "path": {"type": "string"}, "fullPath": {"type": "string"}}}})
}

impl Action for FsReadDir {
    fn id(&self) -> &str {
        "fs:readdir"
    }

    fn description(&self) -> &str {
        "Lists the files and folders of workspace directories."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({"paths": {"type": "array", "items": {"type": "string"}}, "recursive": {"type": "boolean"}}),
            &["paths"],
        )
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"files": listing_schema(), "folders": listing_schema()}})
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: ReadDirInput = ctx.input_as(self.id())?;
        let mut files = Vec::new();
        let mut folders = Vec::new();
        for path in &input.paths {
            let dir = ctx.workspace().resolve(path)?;
            let base = ctx.workspace().relative(&dir);
            for entry in skeleton::walk(&dir, LIMITS, path)? {
                if !input.recursive && entry.path.contains('/') {
                    continue;
                }
                let relative = skeleton::join(&base, &entry.path);
                let item = json!({
                    "name": entry.path.rsplit('/').next().unwrap_or_default(),
                    "path": relative,
                    "fullPath": dir.join(&entry.path).to_string_lossy(),
                });
                if entry.kind == Kind::Dir {
                    folders.push(item);
                } else {
                    files.push(item);
                }
            }
        }
        ctx.output("files", Value::Array(files));
        ctx.output("folders", Value::Array(folders));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_may_not_climb_out() {
        assert!(confined_pattern("../x").is_err());
        assert!(confined_pattern("a/../../x").is_err());
        assert!(confined_pattern("/etc/*").is_err());
        assert_eq!(confined_pattern("./src/**").expect("inside"), "src/**");
    }
}
