//! The built-in rules. Ids, titles, default severities and rationales are
//! listed by [`Registry::builtin`](crate::Registry::builtin); this module
//! holds their code.

mod catalog;
mod crossplane;
mod disruption;
mod docker;
mod docker_more;
mod engine;
mod k8s;
mod rbac;
mod secrets;
mod support;
mod tls_bypass;
mod xref;

use std::sync::Arc;

use crate::rule::{Registry, Rule};

impl Registry {
    /// Every built-in rule (§12 of the rule set, Crossplane and the engine's
    /// own input and configuration rules).
    #[must_use]
    pub fn builtin() -> Self {
        Self::from_rules(builtin())
    }

    /// A registry with the engine's input and configuration rules only.
    #[must_use]
    pub fn empty() -> Self {
        Self::from_rules(engine::rules())
    }
}

impl Default for Registry {
    /// [`Registry::builtin`].
    fn default() -> Self {
        Self::builtin()
    }
}

/// Every built-in rule.
fn builtin() -> Vec<Arc<dyn Rule>> {
    let mut all = engine::rules();
    all.extend(k8s::rules());
    all.extend(rbac::rules());
    all.extend(disruption::rules());
    all.extend(docker::rules());
    all.extend(docker_more::rules());
    all.extend(catalog::rules());
    all.extend(xref::rules());
    all.extend(crossplane::rules());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_ids_are_unique_and_well_formed() {
        let rules = builtin();
        let mut ids: Vec<String> = rules.iter().map(|r| r.meta().id.to_string()).collect();
        for id in &ids {
            assert!(crate::rule::valid_rule_id(id), "{id}");
        }
        for r in &rules {
            assert!(
                !r.meta().rationale.is_empty(),
                "{} has no rationale",
                r.meta().id
            );
            assert!(
                !r.meta().applies_to.is_empty(),
                "{} applies to nothing",
                r.meta().id
            );
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
