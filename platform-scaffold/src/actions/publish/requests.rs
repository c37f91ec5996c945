//! Pull and merge requests of the local git host, recorded as JSON files
//! beside the bare repository: `<repo>.requests/<number>.json`, numbered
//! from 1 in the order they were opened.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::Error;

/// Most requests one repository keeps (a bound on the directory read).
const MAX_REQUESTS: usize = 10_000;

/// The directory of `bare`'s requests.
fn directory(bare: &Path) -> PathBuf {
    let name = bare
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".git").to_owned())
        .unwrap_or_default();
    bare.with_file_name(format!("{name}.requests"))
}

/// Every recorded request of `bare`, by number.
fn all(bare: &Path) -> Result<Vec<(u64, Value)>, Error> {
    let dir = directory(bare);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries.flatten().take(MAX_REQUESTS) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(number) = name
            .strip_suffix(".json")
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let text = crate::workspace::read_limited(&entry.path(), 1 << 20, &name)?;
        if let Ok(record) = serde_json::from_slice::<Value>(&text) {
            found.push((number, record));
        }
    }
    found.sort_by_key(|(n, _)| *n);
    Ok(found)
}

/// The open request whose source branch is `branch`.
pub(crate) fn open_for(bare: &Path, branch: &str) -> Result<Option<(u64, Value)>, Error> {
    Ok(all(bare)?
        .into_iter()
        .find(|(_, r)| r["state"] == "open" && r["head"] == branch))
}

/// Records `request` as number `number` (a new one: `None`, the next
/// number); returns the number.
pub(crate) fn save(bare: &Path, number: Option<u64>, mut request: Value) -> Result<u64, Error> {
    let number = match number {
        Some(n) => n,
        None => all(bare)?.last().map_or(1, |(n, _)| n + 1),
    };
    if let Some(map) = request.as_object_mut() {
        map.insert("number".into(), json!(number));
        map.insert("state".into(), json!("open"));
    }
    let dir = directory(bare);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("the request records", &e))?;
    let text = serde_json::to_string_pretty(&request)
        .map_err(|e| Error::Failed(format!("the request could not be recorded: {e}")))?;
    // Written whole, then renamed: a reader never sees half a record.
    let path = dir.join(format!("{number}.json"));
    let partial = dir.join(format!(".{number}.json.partial"));
    std::fs::write(&partial, text + "\n").map_err(|e| Error::io("the request record", &e))?;
    std::fs::rename(&partial, &path).map_err(|e| Error::io("the request record", &e))?;
    Ok(number)
}

/// Records the settings a publish gave that the local host cannot apply,
/// as `<repo>.settings.json` beside the bare repository (nothing when
/// there are none).
pub(crate) fn record_settings(
    bare: &Path,
    settings: &serde_json::Map<String, Value>,
) -> Result<(), Error> {
    if settings.is_empty() {
        return Ok(());
    }
    let name = bare
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".git").to_owned())
        .unwrap_or_default();
    let text = serde_json::to_string_pretty(settings)
        .map_err(|e| Error::Failed(format!("the settings could not be recorded: {e}")))?;
    std::fs::write(
        bare.with_file_name(format!("{name}.settings.json")),
        text + "\n",
    )
    .map_err(|e| Error::io("the repository settings", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_numbered_and_found_by_branch() {
        let dir = tempfile::tempdir().expect("dir");
        let bare = dir.path().join("acme/svc.git");
        std::fs::create_dir_all(&bare).expect("bare");
        assert_eq!(save(&bare, None, json!({"head": "a"})).expect("first"), 1);
        assert_eq!(save(&bare, None, json!({"head": "b"})).expect("second"), 2);
        assert!(dir.path().join("acme/svc.requests/2.json").is_file());
        assert_eq!(open_for(&bare, "b").expect("read").map(|(n, _)| n), Some(2));
        assert_eq!(open_for(&bare, "c").expect("read"), None);
        assert_eq!(
            save(&bare, Some(1), json!({"head": "a", "title": "t"})).expect("update"),
            1
        );
        assert_eq!(
            open_for(&bare, "a").expect("read").expect("open").1["title"],
            "t"
        );
    }
}
