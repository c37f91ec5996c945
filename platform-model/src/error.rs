//! The crate's error type: for when loading could not run at all. Problems
//! inside files are [`crate::Diagnostic`] values, not errors.

use std::path::{Path, PathBuf};

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The path exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The path is outside the configured root.
    #[error("{} is outside the catalog root", path.display())]
    OutsideRoot {
        /// The path given.
        path: PathBuf,
    },
    /// A file-name pattern in the options is not a valid glob.
    #[error("invalid glob `{pattern}`: {message}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// The error of an I/O failure on `path`: [`Error::NotFound`] when the
    /// path does not exist, else [`Error::Io`] with `source`.
    #[must_use]
    pub fn from_io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            Self::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}
