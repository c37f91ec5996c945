//! The crate's error type: `Err` means a check could not run at all.

use std::path::PathBuf;

/// Why a check could not run. Problems *in* the checked files are never
/// errors: they are [`Finding`](crate::Finding)s of the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path to check does not exist.
    #[error("`{}` does not exist", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A path (the checked root or a configuration file) cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file the checker opens itself (the configuration file) is not a
    /// regular file: a FIFO, device, socket or directory, which could
    /// block or never end.
    #[error("cannot read `{}`: it is {kind}, not a regular file", path.display())]
    NotRegular {
        /// The path as given.
        path: PathBuf,
        /// What it is (`a FIFO`).
        kind: &'static str,
    },
    /// A file the checker opens itself (the configuration file) is larger
    /// than its limit.
    #[error("cannot read `{}`: it is larger than the {limit}-byte limit", path.display())]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// The limit, in bytes.
        limit: usize,
    },
    /// An exclude pattern of the options is not a valid glob.
    #[error("invalid glob `{pattern}`: {message}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// The catalog of the checked tree could not be loaded at all
    /// ([`check_tree`](crate::check_tree)).
    #[error(transparent)]
    Catalog(#[from] platform_model::Error),
    /// Two rules with the same id were registered.
    #[error("a rule with id `{id}` is already registered")]
    DuplicateRule {
        /// The id.
        id: String,
    },
    /// A rule id does not have the `domain.name` shape.
    #[error(
        "invalid rule id `{id}`: ids are lowercase `domain.kebab-name` such as `acme.team-label`"
    )]
    InvalidRuleId {
        /// The id.
        id: String,
    },
}

impl Error {
    /// An I/O failure on `path`, classified as the model classifies it.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        match platform_model::Error::from_io(path, source) {
            platform_model::Error::NotFound { path } => Self::NotFound { path },
            platform_model::Error::Io { path, source } => Self::Io { path, source },
            other => Self::Catalog(other),
        }
    }
}
