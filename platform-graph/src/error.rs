//! The crate's error type: a query that cannot run, or cost input that
//! cannot be read.

use std::fmt::Write as _;

use platform_model::Span;

/// Why a graph operation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No entity with this reference (the text as given) exists.
    #[error("{}", unknown_message(reference, suggestions))]
    UnknownEntity {
        /// The reference as given.
        reference: String,
        /// The nearest existing references, best first.
        suggestions: Vec<String>,
    },
    /// A short reference (a bare name) matches several entities.
    #[error("`{reference}` is ambiguous: {}", candidates.join(", "))]
    Ambiguous {
        /// The reference as given.
        reference: String,
        /// Every entity it could mean.
        candidates: Vec<String>,
    },
    /// Cost input that cannot be read, with its location.
    #[error("{span}: {message}")]
    CostInput {
        /// Where: the file as named to [`parse_costs`](crate::cost::parse_costs),
        /// line and column (cost problems carry no byte offsets: `start` and
        /// `end` are 0).
        span: Span,
        /// What is wrong.
        message: String,
    },
    /// Options that cannot work together (an empty time window).
    #[error("{0}")]
    Options(String),
    /// An entity of the wrong kind for the question (owned-by of a Component).
    #[error("`{reference}` is a {kind}; {expected}")]
    WrongKind {
        /// The entity.
        reference: String,
        /// Its kind.
        kind: String,
        /// What the query needs.
        expected: String,
    },
}

fn unknown_message(reference: &str, suggestions: &[String]) -> String {
    let mut message = format!("no entity `{reference}` in the catalog");
    if !suggestions.is_empty() {
        let _ = write!(
            message,
            "; did you mean {}?",
            suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    message
}
