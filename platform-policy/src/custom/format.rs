//! The rule file format: YAML, `rules:` a list of rules written in CEL.
//!
//! ```yaml
//! rules:
//!   - id: acme.job-ttl                  # domain.kebab-name
//!     title: Finished Jobs are cleaned up
//!     rationale: Why, and how to fix a finding.
//!     severity: warning                 # error | warning | info
//!     profile: restricted               # baseline (default) | restricted | strict
//!     applies_to: manifest              # manifest | helm-values | dockerfile | catalog-entity | component
//!     options: {min: 2}                 # defaults; CEL variable `options`
//!     match: "object.kind == 'Job'"     # optional: the artefacts judged
//!     validations:
//!       - expression: "has(object.spec.ttlSecondsAfterFinished)"
//!         message: the Job sets no ttlSecondsAfterFinished
//!         fieldPath: spec.ttlSecondsAfterFinished
//! ```

use std::sync::Arc;

use platform_model::yaml::{self, YamlOptions, YamlSchema};
use platform_model::{Severity, Span};
use serde_json::{Map, Value};

use crate::finding::{Finding, ids};
use crate::rule::{Profile, parse_severity};

/// What a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    /// Kubernetes objects: `object`.
    Manifest,
    /// Helm values files: `values`.
    HelmValues,
    /// Dockerfiles: `dockerfile`.
    Dockerfile,
    /// Catalog entities: `entity`.
    CatalogEntity,
    /// Catalog Components with their joins: `component`.
    Component,
}

impl Subject {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "manifest" => Self::Manifest,
            "helm-values" => Self::HelmValues,
            "dockerfile" => Self::Dockerfile,
            "catalog-entity" => Self::CatalogEntity,
            "component" => Self::Component,
            _ => return None,
        })
    }

    /// The CEL variables an expression of such a rule may read.
    pub(crate) fn variables(self) -> &'static [&'static str] {
        match self {
            Self::Manifest => &["object", "component", "options", "item", "index"],
            Self::HelmValues => &["values", "component", "options", "item", "index"],
            Self::Dockerfile => &["dockerfile", "component", "options", "item", "index"],
            Self::CatalogEntity => &["entity", "options", "item", "index"],
            Self::Component => &["component", "options", "item", "index"],
        }
    }
}

/// One validation of a rule.
#[derive(Clone, Debug)]
pub(crate) struct ValidationSpec {
    /// CEL: true when the artefact (or `item`) is fine.
    pub expression: String,
    /// JSON pointer of `expression` in the rule file.
    pub pointer: String,
    /// Optional CEL list: the validation runs once per element, as `item`
    /// (and `index`).
    pub each: Option<String>,
    /// The message of a finding.
    pub message: Option<String>,
    /// CEL string: the message, from the values.
    pub message_expression: Option<String>,
    /// Where a finding points: a Kubernetes-style field path in the
    /// artefact (`spec.replicas`, `spec.containers[{index}].image`).
    pub field_path: Option<String>,
}

/// A rule as written.
#[derive(Clone, Debug)]
pub(crate) struct RuleSpec {
    pub id: String,
    pub title: String,
    pub rationale: String,
    pub severity: Severity,
    pub profile: Profile,
    pub subject: Subject,
    pub options: Map<String, Value>,
    pub matches: Option<String>,
    pub validations: Vec<ValidationSpec>,
    /// The rule file, and where the rule is written in it.
    pub file: Arc<str>,
    pub pointer: String,
    pub span: Span,
    /// Spans of the expressions, by pointer, for compile problems.
    pub spans: Vec<(String, Span)>,
}

fn valid_id(id: &str) -> bool {
    let Some((domain, name)) = id.split_once('.') else {
        return false;
    };
    let kebab = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    kebab(domain) && name.split('.').all(kebab)
}

/// Reads a rule file: the rules, and problems as `config.invalid` findings
/// located in the file.
pub(crate) fn parse(file: &str, text: &str) -> (Vec<RuleSpec>, Vec<Finding>) {
    let file: Arc<str> = Arc::from(file);
    let mut problems = Vec::new();
    let stream = yaml::parse_stream(
        &file,
        text,
        &YamlOptions::default().with_schema(YamlSchema::Yaml11),
    );
    let mut bad = |message: String, span: Span| {
        problems.push(Finding::new(ids::CONFIG_INVALID, Severity::Error, message).with_span(span));
    };
    for d in &stream.diagnostics {
        bad(
            d.message.clone(),
            d.span
                .clone()
                .unwrap_or_else(|| Span::file_start(Arc::clone(&file))),
        );
    }
    let mut rules = Vec::new();
    let Some(doc) = stream.documents.iter().find(|d| !d.is_empty()) else {
        return (rules, problems);
    };
    if let Some(error) = &doc.error {
        bad(
            error.message.clone(),
            error
                .span
                .clone()
                .unwrap_or_else(|| Span::file_start(Arc::clone(&file))),
        );
        return (rules, problems);
    }
    let span = |pointer: &str| {
        let located = doc.spans.locate(pointer);
        located.key.unwrap_or(located.value).with_file(&file)
    };
    let Some(list) = doc.value.get("rules").and_then(Value::as_array) else {
        bad(
            "a rule file needs `rules:`, a list of rules".into(),
            doc.position.clone(),
        );
        return (rules, problems);
    };
    for (i, rule) in list.iter().enumerate() {
        let at = format!("/rules/{i}");
        let text_of = |key: &str| rule.get(key).and_then(Value::as_str).map(str::to_owned);
        let Some(id) = text_of("id").filter(|id| valid_id(id)) else {
            bad(
                format!("rule {i} needs an `id` of the form `domain.kebab-name`"),
                span(&at),
            );
            continue;
        };
        let severity = match text_of("severity") {
            None => Severity::Warning,
            Some(s) => match parse_severity(&s) {
                Some(s) => s,
                None => {
                    bad(
                        format!("rule `{id}`: severity `{s}` is none of error, warning, info"),
                        span(&format!("{at}/severity")),
                    );
                    continue;
                }
            },
        };
        let profile = match text_of("profile") {
            None => Profile::Baseline,
            Some(p) => match p.parse::<Profile>() {
                Ok(p) => p,
                Err(e) => {
                    bad(format!("rule `{id}`: {e}"), span(&format!("{at}/profile")));
                    continue;
                }
            },
        };
        let Some(subject) = text_of("applies_to").as_deref().and_then(Subject::parse) else {
            bad(
                format!(
                    "rule `{id}` needs `applies_to`: manifest, helm-values, dockerfile, catalog-entity or component"
                ),
                span(&at),
            );
            continue;
        };
        let options = match rule.get("options") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                bad(
                    format!("rule `{id}`: `options` must be a mapping"),
                    span(&format!("{at}/options")),
                );
                continue;
            }
        };
        let mut spans = Vec::new();
        let matches = text_of("match");
        if matches.is_some() {
            spans.push((format!("{at}/match"), span(&format!("{at}/match"))));
        }
        let mut validations = Vec::new();
        for (j, v) in rule
            .get("validations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let vat = format!("{at}/validations/{j}");
            let field = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
            let Some(expression) = field("expression") else {
                bad(
                    format!("rule `{id}`: validation {j} needs an `expression`"),
                    span(&vat),
                );
                continue;
            };
            for key in ["expression", "each", "messageExpression"] {
                if v.get(key).is_some() {
                    spans.push((format!("{vat}/{key}"), span(&format!("{vat}/{key}"))));
                }
            }
            validations.push(ValidationSpec {
                expression,
                pointer: format!("{vat}/expression"),
                each: field("each"),
                message: field("message"),
                message_expression: field("messageExpression"),
                field_path: field("fieldPath"),
            });
        }
        if validations.is_empty() {
            bad(format!("rule `{id}` needs `validations`"), span(&at));
            continue;
        }
        rules.push(RuleSpec {
            title: text_of("title").unwrap_or_else(|| id.clone()),
            rationale: text_of("rationale").unwrap_or_default(),
            id,
            severity,
            profile,
            subject,
            options,
            matches,
            validations,
            file: Arc::clone(&file),
            span: span(&at),
            pointer: at.clone(),
            spans,
        });
    }
    (rules, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_domain_kebab_names() {
        assert!(valid_id("acme.job-ttl"));
        assert!(valid_id("acme.k8s.job-ttl"));
        assert!(!valid_id("job-ttl"));
        assert!(!valid_id("Acme.job"));
        assert!(!valid_id("acme.-x"));
    }

    #[test]
    fn problems_are_located_and_good_rules_kept() {
        let text = "rules:\n  - id: acme.ok\n    applies_to: manifest\n    validations:\n      - expression: 'true'\n  - id: bad\n    applies_to: manifest\n  - id: acme.no-subject\n    validations: [{expression: 'true'}]\n";
        let (rules, problems) = parse("rules.yaml", text);
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].severity, Severity::Warning);
        assert_eq!(problems.len(), 2);
        assert!(
            problems
                .iter()
                .all(|p| p.span().is_some_and(|s| s.line > 1))
        );
    }
}
