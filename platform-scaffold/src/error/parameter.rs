//! One violation of a parameter page or of the secrets schema: the unit
//! [`Error::InvalidParameters`](crate::Error::InvalidParameters) and
//! [`Error::InvalidSecrets`](crate::Error::InvalidSecrets) list.

use std::fmt;

use serde::Serialize;

/// One violation of a parameter page (or of the secrets schema).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ParameterError {
    /// The parameter's dotted path (`name`, `repo.owner`, `tags[1]`); empty
    /// for the values object as a whole.
    pub parameter: String,
    /// 0-based index of the page (0 for the secrets schema).
    pub page: usize,
    /// The page title (`secrets` for the secrets schema).
    pub page_title: String,
    /// The JSON Schema keyword that failed.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParameterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = if self.parameter.is_empty() {
            "the values".to_owned()
        } else {
            format!("`{}`", self.parameter)
        };
        write!(
            f,
            "{subject} on page {} \"{}\": {} ({})",
            self.page + 1,
            self.page_title,
            self.message,
            self.rule
        )
    }
}
