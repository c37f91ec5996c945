//! Files the CLI opens itself (`--values`, `--costs`, `--config`, template
//! files, and the PATH arguments it hands to the loaders): regular files
//! only, checked before opening, and read with a size bound.

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// Default of `--max-input-bytes`: the largest file the CLI reads itself,
/// 64 MiB (as the catalog loader's `YamlBudget::max_file_bytes`).
pub(crate) const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

static MAX_INPUT_BYTES: OnceLock<u64> = OnceLock::new();

/// Sets the limit for this run (`--max-input-bytes`).
pub(crate) fn set_max_input_bytes(bytes: u64) {
    let _ = MAX_INPUT_BYTES.set(bytes);
}

/// The limit of this run.
pub(crate) fn max_input_bytes() -> u64 {
    MAX_INPUT_BYTES
        .get()
        .copied()
        .unwrap_or(DEFAULT_MAX_INPUT_BYTES)
}

/// What a file that is not a regular file is.
fn describe(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn not_regular(what: &str, path: &Path, file_type: std::fs::FileType) -> String {
    format!(
        "{what} {}: is {}; only regular files are read",
        path.display(),
        describe(file_type)
    )
}

fn too_big(what: &str, path: &Path, limit: u64) -> String {
    format!(
        "{what} {}: larger than the limit of {limit} bytes (raise it with --max-input-bytes)",
        path.display()
    )
}

/// Checks, without opening it, that `path` is a regular file within the
/// size limit. `what` names it in errors (`--values`, `template`…).
pub(crate) fn check_regular_file(what: &str, path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(what, path, meta.file_type()));
    }
    let limit = max_input_bytes();
    if meta.len() > limit {
        return Err(too_big(what, path, limit));
    }
    Ok(())
}

/// Checks that a PATH argument is a regular file or a directory (what
/// lies inside a directory is the loaders' to check). A path that does not
/// exist is left to the loader, which reports it.
pub(crate) fn check_tree_argument(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            Err(not_regular("PATH", path, meta.file_type()))
        }
        Ok(meta) if meta.is_file() && meta.len() > max_input_bytes() => {
            Err(too_big("PATH", path, max_input_bytes()))
        }
        _ => Ok(()),
    }
}

/// Reads a regular file of at most `--max-input-bytes` as UTF-8 text.
/// The type is checked before opening (a FIFO would block the open), the
/// file is opened non-blocking and checked again, and at most the limit
/// plus one byte is read, so `/dev/zero` or a file that grows cannot take
/// more memory than the limit.
pub(crate) fn read_text(what: &str, path: &Path) -> Result<String, String> {
    check_regular_file(what, path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(what, path, meta.file_type()));
    }
    let limit = max_input_bytes();
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(what, path, limit));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{what} {}: not UTF-8 (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused() {
        let err = read_text("--values", Path::new("/dev/zero")).expect_err("a device");
        assert!(err.contains("character device"), "{err}");
        let err = read_text("--values", Path::new("/")).expect_err("a directory");
        assert!(err.contains("a directory"), "{err}");
        assert!(check_tree_argument(Path::new("/dev/null")).is_err());
        assert!(check_tree_argument(Path::new("/")).is_ok());
    }
}
