//! Rules of our own, written in CEL in rule files, for what the cluster
//! never sees: Kubernetes objects, Helm values, Dockerfiles, catalog
//! entities and the Components with their joins. Each becomes a
//! [`Rule`](crate::Rule) like the built-in ones.
//!
//! - [`format`] reads a rule file;
//! - [`rule`] compiles a rule and runs it.

pub(crate) mod format;
pub(crate) mod rule;

use std::sync::Arc;

use crate::finding::Finding;
use crate::rule::Rule;

/// Reads the rule file `file` (its `text`): the rules that compile, and
/// every problem as a located `config.invalid` finding.
pub(crate) fn load(file: &str, text: &str) -> (Vec<Arc<dyn Rule>>, Vec<Finding>) {
    let (specs, mut problems) = format::parse(file, text);
    let mut rules: Vec<Arc<dyn Rule>> = Vec::new();
    for spec in specs {
        match rule::CelRule::new(spec) {
            Ok(rule) => rules.push(Arc::new(rule)),
            Err(found) => problems.extend(found),
        }
    }
    (rules, problems)
}
