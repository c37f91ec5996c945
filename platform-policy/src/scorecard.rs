//! Scorecards: Bronze, Silver or Gold per Component with Port's semantics
//! (a Component reaches a level only when every rule of that level and of
//! every level below passes; below Bronze it stays at Basic).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::config::ScorecardConfig;
use crate::finding::Finding;

/// A maturity level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Below Bronze.
    Basic,
    /// The must-haves.
    Bronze,
    /// Production-ready.
    Silver,
    /// The full golden path.
    Gold,
}

impl Level {
    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Bronze => "bronze",
            Self::Silver => "silver",
            Self::Gold => "gold",
        }
    }
}

/// One level of a scorecard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LevelResult {
    /// The level.
    pub level: Level,
    /// Whether every rule of the level passes.
    pub passed: bool,
    /// Rules of the level (enabled ones).
    pub rules: Vec<String>,
    /// Rules of the level with unsuppressed findings for the Component.
    pub failing: Vec<String>,
}

/// A Component's scorecard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Scorecard {
    /// `component:namespace/name`.
    pub component: String,
    /// The catalog file of the Component.
    pub file: String,
    /// The level reached.
    pub level: Level,
    /// Bronze, Silver and Gold, each with its rules and failures.
    pub levels: Vec<LevelResult>,
}

const PSS: &[&str] = &[
    "k8s.privileged",
    "k8s.host-namespaces",
    "k8s.host-path",
    "k8s.host-port",
    "k8s.capabilities-added",
    "k8s.capabilities-drop-all",
    "k8s.privilege-escalation",
    "k8s.run-as-non-root",
    "k8s.seccomp",
    "k8s.pss-other",
];

/// The default rules of each level (`policy-rules.md` §12.5).
#[must_use]
pub fn default_levels() -> [(Level, Vec<&'static str>); 3] {
    let bronze = vec![
        "catalog.owner-required",
        "catalog.lifecycle-valid",
        "k8s.image-tag",
        "docker.base-image-pinned",
        "k8s.privileged",
        "k8s.host-namespaces",
        "k8s.host-path",
        "k8s.host-port",
    ];
    let silver = vec![
        "k8s.run-as-non-root",
        "k8s.privilege-escalation",
        "k8s.resources",
        "k8s.probes",
        "docker.non-root-user",
        "pdb.required",
    ];
    let mut gold: Vec<&'static str> = PSS.to_vec();
    gold.extend([
        "k8s.read-only-root-fs",
        "hpa.min-replicas",
        "xref.prod-workload-without-pdb",
        "xref.prod-single-replica",
        "catalog.required-annotations",
    ]);
    [
        (Level::Bronze, bronze),
        (Level::Silver, silver),
        (Level::Gold, gold),
    ]
}

/// Computes scorecards for `components` (`(reference, file)`) from the
/// findings; only `enabled` rules count.
pub(crate) fn compute(
    components: &[(String, String)],
    findings: &[Finding],
    enabled: &HashSet<String>,
    config: &ScorecardConfig,
) -> Vec<Scorecard> {
    let defaults = default_levels();
    let levels: Vec<(Level, Vec<String>)> = defaults
        .iter()
        .map(|(level, rules)| {
            let configured = match level {
                Level::Bronze => &config.bronze,
                Level::Silver => &config.silver,
                _ => &config.gold,
            };
            let rules = configured
                .clone()
                .unwrap_or_else(|| rules.iter().map(|r| (*r).to_owned()).collect());
            let mut rules: Vec<String> =
                rules.into_iter().filter(|r| enabled.contains(r)).collect();
            rules.sort();
            rules.dedup();
            (*level, rules)
        })
        .collect();
    let mut failing: HashMap<&str, HashSet<&str>> = HashMap::new();
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        if let Some(c) = &f.component {
            failing
                .entry(c.as_str())
                .or_default()
                .insert(f.diagnostic.code.as_ref());
        }
    }
    let empty = HashSet::new();
    components
        .iter()
        .map(|(reference, file)| {
            let fails = failing.get(reference.as_str()).unwrap_or(&empty);
            let mut reached = Level::Basic;
            let mut still_climbing = true;
            let results = levels
                .iter()
                .map(|(level, rules)| {
                    let failing: Vec<String> = rules
                        .iter()
                        .filter(|r| fails.contains(r.as_str()))
                        .cloned()
                        .collect();
                    let passed = failing.is_empty();
                    if passed && still_climbing {
                        reached = *level;
                    } else {
                        still_climbing = false;
                    }
                    LevelResult {
                        level: *level,
                        passed,
                        rules: rules.clone(),
                        failing,
                    }
                })
                .collect();
            Scorecard {
                component: reference.clone(),
                file: file.clone(),
                level: reached,
                levels: results,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform_model::Severity;

    #[test]
    fn ports_semantics_need_every_lower_level() {
        let enabled: HashSet<String> = default_levels()
            .iter()
            .flat_map(|(_, r)| r.iter().map(|x| (*x).to_owned()))
            .collect();
        let mut f = Finding::new("k8s.image-tag", Severity::Error, "x");
        f.component = Some("component:default/a".into());
        let comps = vec![
            ("component:default/a".to_owned(), "a.yaml".to_owned()),
            ("component:default/b".to_owned(), "b.yaml".to_owned()),
        ];
        let cards = compute(&comps, &[f], &enabled, &ScorecardConfig::default());
        // `a` fails Bronze: it stays Basic even though Silver and Gold pass.
        assert_eq!(cards[0].level, Level::Basic);
        assert!(cards[0].levels[1].passed);
        assert_eq!(cards[1].level, Level::Gold);
    }
}
