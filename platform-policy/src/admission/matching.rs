//! Which objects a policy and its binding apply to, as the API server
//! decides for a CREATE: `resourceRules` and `excludeResourceRules`,
//! `namespaceSelector` and `objectSelector`.

use serde_json::{Map, Value};

use super::model::{MatchResources, ResourceRule};
use super::resources::Resource;

/// The label every Namespace carries, set by the API server.
pub(crate) const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// An object as admission sees it.
pub(crate) struct Request<'a> {
    /// Its resource.
    pub resource: &'a Resource,
    /// `metadata.name`.
    pub name: &'a str,
    /// Its labels.
    pub labels: &'a Map<String, Value>,
    /// Labels of its namespace (for a Namespace, its own); `None` for
    /// cluster-scoped objects.
    pub namespace_labels: Option<&'a Map<String, Value>>,
}

fn listed(list: &[String], value: &str) -> bool {
    list.iter().any(|x| x == "*" || x == value)
}

fn rule_matches(rule: &ResourceRule, request: &Request<'_>, exact: bool) -> bool {
    let r = request.resource;
    let resource_ok = rule
        .resources
        .iter()
        .any(|x| x == "*" || x == "*/*" || *x == r.resource);
    let scope_ok = match rule.scope.as_str() {
        "Cluster" => !r.namespaced,
        "Namespaced" => r.namespaced,
        _ => true,
    };
    listed(&rule.operations, "CREATE")
        && listed(&rule.api_groups, &r.group)
        && (!exact || listed(&rule.api_versions, &r.version))
        && resource_ok
        && scope_ok
        && (rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == request.name))
}

/// Whether `m` selects `request`. A binding's `matchResources` without
/// `resourceRules` does not narrow the policy's resources
/// (`rules_required` false); a policy's `matchConstraints` needs them.
pub(crate) fn matches(m: &MatchResources, request: &Request<'_>, rules_required: bool) -> bool {
    let in_rules = if m.rules.is_empty() {
        !rules_required
    } else {
        m.rules
            .iter()
            .any(|rule| rule_matches(rule, request, m.exact))
    };
    if !in_rules
        || m.exclude
            .iter()
            .any(|rule| rule_matches(rule, request, m.exact))
    {
        return false;
    }
    if let (Some(selector), Some(labels)) = (&m.namespace_selector, request.namespace_labels)
        && !selector.matches(labels)
    {
        return false;
    }
    m.object_selector
        .as_ref()
        .is_none_or(|selector| selector.matches(request.labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::LabelSelector;

    fn deployments() -> ResourceRule {
        ResourceRule {
            operations: vec!["CREATE".into(), "UPDATE".into()],
            api_groups: vec!["apps".into()],
            api_versions: vec!["v1".into()],
            resources: vec!["deployments".into()],
            scope: "*".into(),
            resource_names: Vec::new(),
        }
    }

    #[test]
    fn rules_scope_exclusions_and_selectors_decide() {
        let resource = Resource {
            group: "apps".into(),
            version: "v1".into(),
            resource: "deployments".into(),
            namespaced: true,
        };
        let labels = Map::new();
        let mut ns = Map::new();
        ns.insert(NAMESPACE_NAME_LABEL.into(), Value::from("prod"));
        let request = Request {
            resource: &resource,
            name: "web",
            labels: &labels,
            namespace_labels: Some(&ns),
        };
        let mut m = MatchResources {
            rules: vec![deployments()],
            ..MatchResources::default()
        };
        assert!(matches(&m, &request, true));
        m.exclude = vec![ResourceRule {
            resource_names: vec!["web".into()],
            ..deployments()
        }];
        assert!(!matches(&m, &request, true));
        m.exclude.clear();
        m.namespace_selector = LabelSelector::parse("kubernetes.io/metadata.name=dev").ok();
        assert!(!matches(&m, &request, true));
        m.namespace_selector = LabelSelector::parse("kubernetes.io/metadata.name=prod").ok();
        assert!(matches(&m, &request, true));
        m.rules[0].scope = "Cluster".into();
        assert!(!matches(&m, &request, true));
        m.rules[0].scope = "*".into();
        m.rules[0].operations = vec!["UPDATE".into()];
        assert!(!matches(&m, &request, true));
        assert!(matches(&MatchResources::default(), &request, false));
        assert!(!matches(&MatchResources::default(), &request, true));
    }
}
