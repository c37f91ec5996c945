//! `ValidatingAdmissionPolicy` and `ValidatingAdmissionPolicyBinding`
//! objects read into plain data, with the JSON pointer of every field a
//! finding may point at. Shape problems are findings on the policy file.

use serde_json::Value;

use crate::finding::{Finding, ids};
use crate::inputs::Manifest;
use crate::selector::LabelSelector;
use platform_model::Severity;

/// The API group both kinds live in.
pub(crate) const GROUP: &str = "admissionregistration.k8s.io";

/// One CEL expression of a policy, with where it is written.
#[derive(Debug)]
pub(crate) struct Source {
    /// The expression text.
    pub text: String,
    /// JSON pointer of the expression in the policy object.
    pub pointer: String,
}

/// A named expression (`matchConditions`, `variables`).
#[derive(Debug)]
pub(crate) struct Named {
    /// The name.
    pub name: String,
    /// The expression.
    pub source: Source,
}

/// One entry of `validations`.
#[derive(Debug)]
pub(crate) struct Validation {
    /// `expression`.
    pub expression: Source,
    /// `message`.
    pub message: Option<String>,
    /// `messageExpression`.
    pub message_expression: Option<Source>,
    /// `reason` (Kubernetes' default is `Invalid`).
    pub reason: String,
    /// `fieldPath`.
    pub field_path: Option<String>,
}

/// One entry of `auditAnnotations`.
#[derive(Debug)]
pub(crate) struct AuditAnnotation {
    /// `key`.
    pub key: String,
    /// `valueExpression`.
    pub value: Source,
}

/// A rule of `resourceRules` or `excludeResourceRules`.
#[derive(Debug, Default)]
pub(crate) struct ResourceRule {
    /// `operations`.
    pub operations: Vec<String>,
    /// `apiGroups`.
    pub api_groups: Vec<String>,
    /// `apiVersions`.
    pub api_versions: Vec<String>,
    /// `resources`.
    pub resources: Vec<String>,
    /// `scope`: `*` (the default), `Cluster` or `Namespaced`.
    pub scope: String,
    /// `resourceNames`: empty for every name.
    pub resource_names: Vec<String>,
}

/// `matchConstraints` of a policy or `matchResources` of a binding.
#[derive(Debug, Default)]
pub(crate) struct MatchResources {
    /// `namespaceSelector` (absent: every namespace).
    pub namespace_selector: Option<LabelSelector>,
    /// `objectSelector` (absent: every object).
    pub object_selector: Option<LabelSelector>,
    /// `resourceRules`.
    pub rules: Vec<ResourceRule>,
    /// `excludeResourceRules`.
    pub exclude: Vec<ResourceRule>,
    /// `matchPolicy: Exact`; the default, `Equivalent`, matches a rule's
    /// resource in any version.
    pub exact: bool,
}

/// A `ValidatingAdmissionPolicy`.
#[derive(Debug)]
pub(crate) struct Policy {
    /// `metadata.name`.
    pub name: String,
    /// `paramKind` as `(apiVersion, kind)`.
    pub param_kind: Option<(String, String)>,
    /// `matchConstraints`.
    pub constraints: MatchResources,
    /// `matchConditions`.
    pub match_conditions: Vec<Named>,
    /// `variables`.
    pub variables: Vec<Named>,
    /// `validations`.
    pub validations: Vec<Validation>,
    /// `auditAnnotations`.
    pub audit_annotations: Vec<AuditAnnotation>,
    /// `failurePolicy: Ignore`; the default is `Fail`.
    pub ignore_failures: bool,
}

/// What a binding does with a violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    /// `Audit`: recorded only.
    Audit,
    /// `Warn`: a warning to the client.
    Warn,
    /// `Deny`: the request is refused.
    Deny,
}

impl Action {
    /// The severity of a finding for this action.
    pub(crate) fn severity(self) -> Severity {
        match self {
            Self::Deny => Severity::Error,
            Self::Warn => Severity::Warning,
            Self::Audit => Severity::Info,
        }
    }
}

/// `paramRef` of a binding.
#[derive(Debug)]
pub(crate) struct ParamRef {
    /// `name`.
    pub name: Option<String>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `selector`.
    pub selector: Option<LabelSelector>,
    /// `parameterNotFoundAction: Allow`; `Deny` otherwise.
    pub allow_missing: bool,
}

/// A `ValidatingAdmissionPolicyBinding`.
#[derive(Debug)]
pub(crate) struct Binding {
    /// `metadata.name`.
    pub name: String,
    /// `policyName`.
    pub policy_name: String,
    /// `paramRef`.
    pub param_ref: Option<ParamRef>,
    /// `matchResources`.
    pub match_resources: Option<MatchResources>,
    /// The strongest of `validationActions`.
    pub action: Action,
    /// Whether `validationActions` holds `Audit` (audit annotations are
    /// then reported).
    pub audits: bool,
}

/// Whether `m` is an admission policy object of `kind`.
pub(crate) fn is_kind(m: &Manifest, kind: &str) -> bool {
    m.kind == kind
        && m.api_version
            .split_once('/')
            .is_some_and(|(group, _)| group == GROUP)
}

/// Collects shape problems of one policy object.
pub(crate) struct Problems<'a> {
    manifest: &'a Manifest,
    /// Findings so far.
    pub found: Vec<Finding>,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(manifest: &'a Manifest) -> Self {
        Self {
            manifest,
            found: Vec::new(),
        }
    }

    /// A problem at `pointer` of the policy object.
    pub(crate) fn push(&mut self, pointer: &str, message: impl Into<String>) {
        self.found.push(at(self.manifest, pointer, message));
    }
}

/// An `admission.policy` finding at `pointer` of `m`.
pub(crate) fn at(m: &Manifest, pointer: &str, message: impl Into<String>) -> Finding {
    let pointer = if m.location.exists(pointer) {
        pointer
    } else {
        ""
    };
    Finding::new(ids::ADMISSION_POLICY, Severity::Error, message)
        .with_span(m.location.span(pointer))
        .with_path(pointer)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn selector(
    value: &Value,
    key: &str,
    pointer: &str,
    problems: &mut Problems<'_>,
) -> Option<LabelSelector> {
    let raw = value.get(key).filter(|v| !v.is_null())?;
    match LabelSelector::from_value(raw) {
        Ok(s) => Some(s),
        Err(message) => {
            problems.push(&format!("{pointer}/{key}"), format!("`{key}`: {message}"));
            // An unreadable selector matches nothing, as the API server
            // would refuse the object.
            Some(LabelSelector {
                match_labels: Vec::new(),
                expressions: vec![crate::selector::Requirement {
                    key: String::new(),
                    operator: crate::selector::Operator::In,
                    values: Vec::new(),
                }],
            })
        }
    }
}

fn resource_rules(
    value: &Value,
    key: &str,
    pointer: &str,
    problems: &mut Problems<'_>,
) -> Vec<ResourceRule> {
    let Some(raw) = value.get(key).filter(|v| !v.is_null()) else {
        return Vec::new();
    };
    let Value::Array(items) = raw else {
        problems.push(
            &format!("{pointer}/{key}"),
            format!("`{key}` must be a list"),
        );
        return Vec::new();
    };
    items
        .iter()
        .map(|r| ResourceRule {
            operations: strings(r.get("operations")),
            api_groups: strings(r.get("apiGroups")),
            api_versions: strings(r.get("apiVersions")),
            resources: strings(r.get("resources")),
            scope: text(r, "scope").unwrap_or("*").to_owned(),
            resource_names: strings(r.get("resourceNames")),
        })
        .collect()
}

fn match_resources(value: &Value, pointer: &str, problems: &mut Problems<'_>) -> MatchResources {
    MatchResources {
        namespace_selector: selector(value, "namespaceSelector", pointer, problems),
        object_selector: selector(value, "objectSelector", pointer, problems),
        rules: resource_rules(value, "resourceRules", pointer, problems),
        exclude: resource_rules(value, "excludeResourceRules", pointer, problems),
        exact: text(value, "matchPolicy") == Some("Exact"),
    }
}

fn expression(
    value: &Value,
    key: &str,
    pointer: &str,
    problems: &mut Problems<'_>,
) -> Option<Source> {
    match value.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(Source {
            text: s.clone(),
            pointer: format!("{pointer}/{key}"),
        }),
        Some(Value::Null) | None => None,
        Some(_) => {
            problems.push(
                &format!("{pointer}/{key}"),
                format!("`{key}` must be a non-empty string"),
            );
            None
        }
    }
}

fn named(spec: &Value, key: &str, problems: &mut Problems<'_>) -> Vec<Named> {
    let Some(Value::Array(items)) = spec.get(key) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let pointer = format!("/spec/{key}/{i}");
            let Some(name) = text(item, "name").filter(|n| !n.is_empty()) else {
                problems.push(&pointer, format!("`{key}[{i}]` needs a `name`"));
                return None;
            };
            let Some(source) = expression(item, "expression", &pointer, problems) else {
                problems.push(&pointer, format!("`{key}[{i}]` needs an `expression`"));
                return None;
            };
            Some(Named {
                name: name.to_owned(),
                source,
            })
        })
        .collect()
}

/// Reads a `ValidatingAdmissionPolicy`.
pub(crate) fn read_policy(m: &Manifest, problems: &mut Problems<'_>) -> Option<Policy> {
    let spec = m.get("/spec").filter(|s| s.is_object());
    let Some(spec) = spec else {
        problems.push("", "a ValidatingAdmissionPolicy needs a `spec` mapping");
        return None;
    };
    let param_kind = spec
        .get("paramKind")
        .filter(|v| !v.is_null())
        .and_then(|p| match (text(p, "apiVersion"), text(p, "kind")) {
            (Some(v), Some(k)) => Some((v.to_owned(), k.to_owned())),
            _ => {
                problems.push(
                    "/spec/paramKind",
                    "`paramKind` needs `apiVersion` and `kind`",
                );
                None
            }
        });
    let constraints = match spec.get("matchConstraints") {
        Some(c) if c.is_object() => match_resources(c, "/spec/matchConstraints", problems),
        _ => {
            problems.push(
                "/spec",
                "a ValidatingAdmissionPolicy needs `matchConstraints` with `resourceRules`; the API server refuses it without",
            );
            MatchResources::default()
        }
    };
    let mut validations = Vec::new();
    if let Some(Value::Array(items)) = spec.get("validations") {
        for (i, item) in items.iter().enumerate() {
            let pointer = format!("/spec/validations/{i}");
            let Some(expr) = expression(item, "expression", &pointer, problems) else {
                problems.push(
                    &pointer,
                    format!("`validations[{i}]` needs an `expression`"),
                );
                continue;
            };
            validations.push(Validation {
                expression: expr,
                message: text(item, "message").map(str::to_owned),
                message_expression: expression(item, "messageExpression", &pointer, problems),
                reason: text(item, "reason").unwrap_or("Invalid").to_owned(),
                field_path: text(item, "fieldPath").map(str::to_owned),
            });
        }
    }
    let mut audit_annotations = Vec::new();
    if let Some(Value::Array(items)) = spec.get("auditAnnotations") {
        for (i, item) in items.iter().enumerate() {
            let pointer = format!("/spec/auditAnnotations/{i}");
            match (
                text(item, "key"),
                expression(item, "valueExpression", &pointer, problems),
            ) {
                (Some(key), Some(value)) => audit_annotations.push(AuditAnnotation {
                    key: key.to_owned(),
                    value,
                }),
                _ => problems.push(
                    &pointer,
                    format!("`auditAnnotations[{i}]` needs a `key` and a `valueExpression`"),
                ),
            }
        }
    }
    if validations.is_empty() && audit_annotations.is_empty() {
        problems.push(
            "/spec",
            "a ValidatingAdmissionPolicy needs `validations` or `auditAnnotations`; the API server refuses it without",
        );
    }
    Some(Policy {
        name: m.name.clone(),
        param_kind,
        constraints,
        match_conditions: named(spec, "matchConditions", problems),
        variables: named(spec, "variables", problems),
        validations,
        audit_annotations,
        ignore_failures: text(spec, "failurePolicy") == Some("Ignore"),
    })
}

/// Reads a `ValidatingAdmissionPolicyBinding`.
pub(crate) fn read_binding(m: &Manifest, problems: &mut Problems<'_>) -> Option<Binding> {
    let Some(spec) = m.get("/spec").filter(|s| s.is_object()) else {
        problems.push(
            "",
            "a ValidatingAdmissionPolicyBinding needs a `spec` mapping",
        );
        return None;
    };
    let Some(policy_name) = text(spec, "policyName").filter(|n| !n.is_empty()) else {
        problems.push(
            "/spec",
            "a ValidatingAdmissionPolicyBinding needs `policyName`",
        );
        return None;
    };
    let mut action = None;
    let mut audits = false;
    for (i, a) in strings(spec.get("validationActions")).iter().enumerate() {
        let parsed = match a.as_str() {
            "Deny" => Action::Deny,
            "Warn" => Action::Warn,
            "Audit" => {
                audits = true;
                Action::Audit
            }
            other => {
                problems.push(
                    &format!("/spec/validationActions/{i}"),
                    format!("validation action `{other}` is none of Deny, Warn, Audit"),
                );
                continue;
            }
        };
        action = action.max(Some(parsed));
    }
    let Some(action) = action else {
        problems.push(
            "/spec",
            "a ValidatingAdmissionPolicyBinding needs `validationActions` (Deny, Warn, Audit); the API server refuses it without",
        );
        return None;
    };
    let param_ref = spec
        .get("paramRef")
        .filter(|v| v.is_object())
        .map(|p| ParamRef {
            name: text(p, "name").map(str::to_owned),
            namespace: text(p, "namespace").map(str::to_owned),
            selector: selector(p, "selector", "/spec/paramRef", problems),
            allow_missing: text(p, "parameterNotFoundAction") == Some("Allow"),
        });
    if let Some(p) = &param_ref
        && p.name.is_some() == p.selector.is_some()
    {
        problems.push(
            "/spec/paramRef",
            "`paramRef` needs exactly one of `name` and `selector`",
        );
    }
    let match_resources = spec
        .get("matchResources")
        .filter(|v| v.is_object())
        .map(|r| match_resources(r, "/spec/matchResources", problems));
    Some(Binding {
        name: m.name.clone(),
        policy_name: policy_name.to_owned(),
        param_ref,
        match_resources,
        action,
        audits,
    })
}
