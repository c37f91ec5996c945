//! The limits of the parser on untrusted Dockerfiles and their defaults.

/// Default of [`DockerfileLimits::max_value_bytes`]: 64 KiB.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 64 * 1024;
/// Default of [`DockerfileLimits::max_expanded_bytes`]: 1 MiB.
pub const DEFAULT_MAX_EXPANDED_BYTES: usize = 1024 * 1024;
/// Default of [`DockerfileLimits::max_substitution_depth`]: 16.
pub const DEFAULT_MAX_SUBSTITUTION_DEPTH: usize = 16;
/// Default of [`DockerfileLimits::max_heredocs`]: 64.
pub const DEFAULT_MAX_HEREDOCS: usize = 64;

/// Limits of the parser on untrusted Dockerfiles. When one is hit the
/// parser reports a located [`SyntaxError`](super::SyntaxError) and keeps
/// going: an `ARG`/`ENV` value that would expand past a limit keeps its
/// unexpanded text, heredoc markers past the cap are ignored.
///
/// ```
/// use platform_policy::dockerfile::{Dockerfile, DockerfileLimits};
///
/// let text = "FROM alpine:3.20\nENV A=x\n".to_owned() + &"ENV A=$A$A\n".repeat(40);
/// let df = Dockerfile::parse_with("Dockerfile".into(), &text, &DockerfileLimits::default());
/// assert!(df.errors.iter().any(|e| e.message.contains("expands to more than")));
/// let vars = df.stage_variables(&df.stages[0]);
/// assert!(vars["A"].len() <= DockerfileLimits::default().max_value_bytes);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DockerfileLimits {
    /// Largest value one `ARG`/`ENV`/`FROM`/`USER` text may expand to, in
    /// bytes. Default [`DEFAULT_MAX_VALUE_BYTES`].
    pub max_value_bytes: usize,
    /// Most bytes all expansions of one Dockerfile may produce together.
    /// Default [`DEFAULT_MAX_EXPANDED_BYTES`].
    pub max_expanded_bytes: usize,
    /// Deepest nesting of substitutions in a word (`${A:-${B:-$C}}` is 2).
    /// Default [`DEFAULT_MAX_SUBSTITUTION_DEPTH`].
    pub max_substitution_depth: usize,
    /// Most heredocs one instruction may open. Default [`DEFAULT_MAX_HEREDOCS`].
    pub max_heredocs: usize,
}

impl Default for DockerfileLimits {
    fn default() -> Self {
        Self {
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            max_expanded_bytes: DEFAULT_MAX_EXPANDED_BYTES,
            max_substitution_depth: DEFAULT_MAX_SUBSTITUTION_DEPTH,
            max_heredocs: DEFAULT_MAX_HEREDOCS,
        }
    }
}

impl DockerfileLimits {
    /// Sets [`max_value_bytes`](Self::max_value_bytes).
    #[must_use]
    pub fn with_max_value_bytes(mut self, bytes: usize) -> Self {
        self.max_value_bytes = bytes;
        self
    }

    /// Sets [`max_expanded_bytes`](Self::max_expanded_bytes).
    #[must_use]
    pub fn with_max_expanded_bytes(mut self, bytes: usize) -> Self {
        self.max_expanded_bytes = bytes;
        self
    }

    /// Sets [`max_substitution_depth`](Self::max_substitution_depth).
    #[must_use]
    pub fn with_max_substitution_depth(mut self, depth: usize) -> Self {
        self.max_substitution_depth = depth;
        self
    }

    /// Sets [`max_heredocs`](Self::max_heredocs).
    #[must_use]
    pub fn with_max_heredocs(mut self, count: usize) -> Self {
        self.max_heredocs = count;
        self
    }
}
