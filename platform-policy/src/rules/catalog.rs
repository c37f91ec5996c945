//! `catalog.*`: owners, lifecycles, required annotations and metadata of
//! catalog entities.

use std::collections::HashSet;
use std::sync::Arc;

use platform_model::{EntityRef, Severity};
use serde_json::Value;

use super::support::{meta, rule};
use crate::finding::{ArtefactKind as A, Finding};
use crate::rule::{OptionKind, Profile, Rule, RuleContext, RuleOption};

const OWNED_KINDS: &[&str] = &["Component", "API", "Resource", "System"];

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::{Baseline, Restricted};
    use Severity::{Error, Info, Warning};
    let c = &[A::CatalogEntity];
    vec![
        rule(meta("catalog.owner-required", "Entities have an owner", Error, c, Baseline,
            "Every Component, API, Resource and System names its owner in `spec.owner`, so incidents, reviews and costs reach a team.")
            .with_option(RuleOption::new("kinds", OptionKind::StringList, "kinds that need an owner (default Component, API, Resource, System)")), owner_required),
        rule(meta("catalog.owner-is-group", "Owners are existing groups", Warning, c, Restricted,
            "Ownership by a team survives people changing jobs: the owner should be a Group (`group:` or no kind), not a `user:`, and, when Groups are in the input, one that exists."), owner_is_group),
        rule(meta("catalog.lifecycle-valid", "Lifecycles come from the agreed set", Error, c, Baseline,
            "`spec.lifecycle` drives policy (production components get the strictest rules), so it must be one of the agreed values (option `lifecycles`, default production, experimental, deprecated).")
            .with_option(RuleOption::new("lifecycles", OptionKind::StringList, "allowed lifecycles (default production, experimental, deprecated)")), lifecycle_valid),
        rule(meta("catalog.required-annotations", "Entities carry the required annotations", Warning, c, Restricted,
            "Annotations connect an entity to its docs, source and runtime. Option `required` maps a selector `Kind[/type][@lifecycle]` to annotations, `a|b` meaning either; default for `Component/service@production`: `backstage.io/techdocs-ref`, `backstage.io/source-location|github.com/project-slug`, `backstage.io/kubernetes-id|backstage.io/kubernetes-label-selector`.")
            .with_option(RuleOption::new("required", OptionKind::StringListMap, "selector → annotations (`a|b` = either)")), required_annotations),
        rule(meta("catalog.metadata", "Entities have a title, description and tags", Info, c, Restricted,
            "A title, a description and tags make an entity findable and understandable in the portal.")
            .with_option(RuleOption::new("kinds", OptionKind::StringList, "kinds checked (default Component, API, Resource, System)")), metadata),
    ]
}

fn kinds_option(cx: &RuleContext<'_>) -> Vec<String> {
    cx.option_strings("kinds")
        .unwrap_or_else(|| OWNED_KINDS.iter().map(|k| (*k).to_owned()).collect())
}

fn owner_required(cx: &RuleContext<'_>) -> Vec<Finding> {
    let kinds = kinds_option(cx);
    let mut out = Vec::new();
    for (i, e) in cx.inputs().entities().iter().enumerate() {
        if !kinds.iter().any(|k| k == e.kind()) {
            continue;
        }
        match e.get("/spec/owner") {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(_) => out.push(cx.at_entity(
                i,
                "/spec/owner",
                format!(
                    "{} `{}` has an empty or non-string owner",
                    e.kind(),
                    e.entity.metadata.name
                ),
            )),
            None => out.push(cx.at_entity(
                i,
                "/spec/owner",
                format!(
                    "{} `{}` has no `spec.owner`",
                    e.kind(),
                    e.entity.metadata.name
                ),
            )),
        }
    }
    out
}

fn owner_is_group(cx: &RuleContext<'_>) -> Vec<Finding> {
    let groups: HashSet<String> = cx
        .inputs()
        .entities()
        .iter()
        .filter(|e| e.kind() == "Group")
        .map(|e| {
            format!(
                "{}/{}",
                e.entity.metadata.namespace_or_default(),
                e.entity.metadata.name
            )
            .to_ascii_lowercase()
        })
        .collect();
    let mut out = Vec::new();
    for (i, e) in cx.inputs().entities().iter().enumerate() {
        if !matches!(
            e.kind(),
            "Component" | "API" | "Resource" | "System" | "Domain"
        ) {
            continue;
        }
        let Some(owner) = e.spec_str("owner").filter(|o| !o.trim().is_empty()) else {
            continue;
        };
        let Ok(reference) = EntityRef::parse_with(
            owner,
            Some("group"),
            e.entity.metadata.namespace_or_default(),
        ) else {
            continue;
        };
        if !reference.is_kind("group") {
            out.push(cx.at_entity(
                i,
                "/spec/owner",
                format!("owner `{owner}` is a {}, not a group", reference.kind()),
            ));
        } else if !groups.is_empty()
            && !groups.contains(
                &format!("{}/{}", reference.namespace(), reference.name()).to_ascii_lowercase(),
            )
        {
            out.push(cx.at_entity(
                i,
                "/spec/owner",
                format!("owner `{owner}` is not a Group of the input"),
            ));
        }
    }
    out
}

fn lifecycle_valid(cx: &RuleContext<'_>) -> Vec<Finding> {
    let allowed = cx.option_strings("lifecycles").unwrap_or_else(|| {
        vec![
            "production".into(),
            "experimental".into(),
            "deprecated".into(),
        ]
    });
    let mut out = Vec::new();
    for (i, e) in cx.inputs().entities().iter().enumerate() {
        if !matches!(e.kind(), "Component" | "API") {
            continue;
        }
        match e.get("/spec/lifecycle") {
            Some(Value::String(l)) if allowed.iter().any(|a| a == l) => {}
            Some(v) => out.push(cx.at_entity(
                i,
                "/spec/lifecycle",
                format!("lifecycle {v} is not one of {}", allowed.join(", ")),
            )),
            None => out.push(cx.at_entity(i, "/spec/lifecycle", "no `spec.lifecycle`")),
        }
    }
    out
}

/// Whether `Kind[/type][@lifecycle]` selects an entity.
fn selects(selector: &str, kind: &str, ty: Option<&str>, lifecycle: Option<&str>) -> bool {
    let (head, want_lifecycle) = match selector.split_once('@') {
        Some((h, l)) => (h, Some(l)),
        None => (selector, None),
    };
    let (want_kind, want_type) = match head.split_once('/') {
        Some((k, t)) => (k, Some(t)),
        None => (head, None),
    };
    (want_kind == "*" || want_kind.eq_ignore_ascii_case(kind))
        && want_type.is_none_or(|t| t == "*" || Some(t) == ty)
        && want_lifecycle.is_none_or(|l| l == "*" || Some(l) == lifecycle)
}

fn required_annotations(cx: &RuleContext<'_>) -> Vec<Finding> {
    let required: Vec<(String, Vec<String>)> =
        match cx.option("required").and_then(Value::as_object) {
            Some(map) => map
                .iter()
                .map(|(k, v)| {
                    let list = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    (k.clone(), list)
                })
                .collect(),
            None => vec![(
                "Component/service@production".to_owned(),
                vec![
                    "backstage.io/techdocs-ref".to_owned(),
                    "backstage.io/source-location|github.com/project-slug".to_owned(),
                    "backstage.io/kubernetes-id|backstage.io/kubernetes-label-selector".to_owned(),
                ],
            )],
        };
    let mut out = Vec::new();
    for (i, e) in cx.inputs().entities().iter().enumerate() {
        let ty = e.spec_str("type");
        let lifecycle = e.spec_str("lifecycle");
        let mut missing: Vec<String> = Vec::new();
        for (selector, annotations) in &required {
            if !selects(selector, e.kind(), ty, lifecycle) {
                continue;
            }
            for alternatives in annotations {
                let ok = alternatives
                    .split('|')
                    .any(|a| e.annotation(a.trim()).is_some_and(|v| !v.is_empty()));
                if !ok && !missing.contains(alternatives) {
                    missing.push(alternatives.clone());
                }
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|m| format!("`{}`", m.replace('|', "` or `")))
                .collect();
            out.push(cx.at_entity(
                i,
                "/metadata/annotations",
                format!(
                    "{} `{}` lacks annotation{} {}",
                    e.kind(),
                    e.entity.metadata.name,
                    if list.len() == 1 { "" } else { "s" },
                    list.join(", ")
                ),
            ));
        }
    }
    out
}

fn metadata(cx: &RuleContext<'_>) -> Vec<Finding> {
    let kinds = kinds_option(cx);
    let mut out = Vec::new();
    for (i, e) in cx.inputs().entities().iter().enumerate() {
        if !kinds.iter().any(|k| k == e.kind()) {
            continue;
        }
        let present = |field: &str| match e.get(&format!("/metadata/{field}")) {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            _ => false,
        };
        let missing: Vec<&str> = ["title", "description", "tags"]
            .into_iter()
            .filter(|f| !present(f))
            .collect();
        if !missing.is_empty() {
            out.push(cx.at_entity(
                i,
                "/metadata",
                format!(
                    "{} `{}` has no {}",
                    e.kind(),
                    e.entity.metadata.name,
                    missing.join(", ")
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::selects;

    #[test]
    fn selectors() {
        assert!(selects(
            "Component/service@production",
            "Component",
            Some("service"),
            Some("production")
        ));
        assert!(!selects(
            "Component/service@production",
            "Component",
            Some("service"),
            Some("experimental")
        ));
        assert!(selects("Component", "component", Some("website"), None));
        assert!(selects("*@production", "API", None, Some("production")));
    }
}
