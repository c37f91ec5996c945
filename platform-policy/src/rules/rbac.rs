//! `rbac.*`: Roles, ClusterRoles and their bindings that hand out more
//! than a workload needs: wildcards, `cluster-admin`, reading Secrets,
//! exec into pods, and the verbs that escalate privileges.

use std::sync::Arc;

use platform_model::Severity;
use serde_json::Value;

use super::support::{meta, rule};
use crate::finding::{ArtefactKind as A, Finding};
use crate::inputs::{Manifest, get};
use crate::rule::{Profile, Rule, RuleContext};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::Restricted;
    use Severity::{Error, Warning};
    let manifests = &[A::Manifest];
    vec![
        rule(meta("rbac.wildcard", "Roles name their verbs, resources and API groups", Warning, manifests, Restricted,
            "`*` in a Role's or ClusterRole's `verbs`, `resources` or `apiGroups` grants everything, including what later Kubernetes releases and CRDs add. List exactly what the subject needs.").with_tag("security"), wildcard),
        rule(meta("rbac.cluster-admin", "Nothing is bound to cluster-admin", Warning, manifests, Restricted,
            "A RoleBinding or ClusterRoleBinding to the `cluster-admin` ClusterRole gives its subjects full control (of the namespace, or of the cluster). Bind a role that grants what the subject needs.").with_tag("security"), cluster_admin),
        rule(meta("rbac.secrets-access", "Roles do not read Secrets wholesale", Warning, manifests, Restricted,
            "`get`, `list` or `watch` on `secrets` reads every Secret of the namespace (or cluster), service account tokens included. Name the Secrets with `resourceNames`, or mount them into the pod instead.").with_tag("security"), secrets_access),
        rule(meta("rbac.exec-attach", "Roles do not grant exec or attach into pods", Warning, manifests, Restricted,
            "`create` (or `get`, which older API servers accept for the websocket upgrade) on `pods/exec` or `pods/attach` runs commands in any pod the role reaches, with that pod's service account and secrets.").with_tag("security"), exec_attach),
        rule(meta("rbac.escalation", "Roles do not grant escalate, bind or impersonate", Error, manifests, Restricted,
            "`escalate` lets a subject grant itself permissions it lacks, `bind` lets it bind roles it does not hold, and `impersonate` lets it act as any user, group or service account: each is a path to cluster-admin.").with_tag("security"), escalation),
    ]
}

/// The `rules` of Roles and ClusterRoles, with the manifest's index and
/// the rule's position.
fn policy_rules<'a>(cx: &RuleContext<'a>) -> impl Iterator<Item = (usize, usize, &'a Value)> + 'a {
    cx.inputs()
        .manifests()
        .iter()
        .enumerate()
        .filter(|(_, m)| is_role(m))
        .flat_map(|(i, m)| {
            m.get("/rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(move |(j, r)| (i, j, r))
        })
}

fn is_role(m: &Manifest) -> bool {
    m.is("rbac.authorization.k8s.io", "Role") || m.is("rbac.authorization.k8s.io", "ClusterRole")
}

/// The strings of list `key` of a policy rule.
fn list<'a>(rule: &'a Value, key: &str) -> Vec<&'a str> {
    get(rule, key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether the rule's `apiGroups` reach the core group.
fn core_group(rule: &Value) -> bool {
    list(rule, "apiGroups")
        .iter()
        .any(|g| g.is_empty() || *g == "*")
}

/// Whether the rule's `resources` reach `resource` (`pods/exec`): the name
/// itself, `*`, or `*/exec` for a subresource.
fn reaches(rule: &Value, resource: &str) -> bool {
    let sub = resource.split_once('/').map(|(_, s)| s);
    list(rule, "resources").iter().any(|r| {
        *r == resource || *r == "*" || sub.is_some_and(|s| r.strip_prefix("*/") == Some(s))
    })
}

/// Whether the rule's `verbs` include one of `verbs` (or `*`).
fn grants(rule: &Value, verbs: &[&str]) -> Option<String> {
    list(rule, "verbs")
        .into_iter()
        .find(|v| *v == "*" || verbs.contains(v))
        .map(str::to_owned)
}

fn wildcard(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, j, r) in policy_rules(cx) {
        for key in ["verbs", "resources", "apiGroups"] {
            if let Some(k) = list(r, key).iter().position(|v| *v == "*") {
                out.push(cx.at_manifest(
                    i,
                    &format!("/rules/{j}/{key}/{k}"),
                    format!("rule {j} grants `*` in `{key}`"),
                ));
            }
        }
    }
    out
}

fn cluster_admin(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in cx.inputs().manifests().iter().enumerate() {
        if !(m.is("rbac.authorization.k8s.io", "RoleBinding")
            || m.is("rbac.authorization.k8s.io", "ClusterRoleBinding"))
        {
            continue;
        }
        let kind = m.get("/roleRef/kind").and_then(Value::as_str);
        let name = m.get("/roleRef/name").and_then(Value::as_str);
        if kind == Some("ClusterRole") && name == Some("cluster-admin") {
            out.push(cx.at_manifest(
                i,
                "/roleRef/name",
                format!(
                    "{} `{}` binds the `cluster-admin` ClusterRole",
                    m.kind, m.name
                ),
            ));
        }
    }
    out
}

fn secrets_access(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, j, r) in policy_rules(cx) {
        // Named Secrets are the least-privilege form.
        if !core_group(r) || !reaches(r, "secrets") || !list(r, "resourceNames").is_empty() {
            continue;
        }
        if let Some(verb) = grants(r, &["get", "list", "watch"]) {
            out.push(cx.at_manifest(
                i,
                &format!("/rules/{j}/resources"),
                format!("rule {j} grants `{verb}` on every Secret it reaches"),
            ));
        }
    }
    out
}

fn exec_attach(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, j, r) in policy_rules(cx) {
        if !core_group(r) {
            continue;
        }
        for sub in ["pods/exec", "pods/attach"] {
            if reaches(r, sub)
                && let Some(verb) = grants(r, &["create", "get"])
            {
                out.push(cx.at_manifest(
                    i,
                    &format!("/rules/{j}/resources"),
                    format!("rule {j} grants `{verb}` on `{sub}`"),
                ));
                break;
            }
        }
    }
    out
}

fn escalation(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, j, r) in policy_rules(cx) {
        for (k, verb) in list(r, "verbs").iter().enumerate() {
            if matches!(*verb, "escalate" | "bind" | "impersonate") {
                out.push(cx.at_manifest(
                    i,
                    &format!("/rules/{j}/verbs/{k}"),
                    format!("rule {j} grants `{verb}`"),
                ));
            } else if *verb == "*" {
                // `*` includes escalate and bind on roles, and impersonate
                // on users, groups and service accounts.
                let groups = list(r, "apiGroups");
                let in_group = |g: &str| groups.iter().any(|x| *x == "*" || *x == g);
                let on_roles = in_group("rbac.authorization.k8s.io")
                    && ["roles", "clusterroles"].iter().any(|res| reaches(r, res));
                let on_identities = in_group("")
                    && ["users", "groups", "serviceaccounts"]
                        .iter()
                        .any(|res| reaches(r, res));
                if on_roles || on_identities {
                    let what = if on_roles {
                        "escalate and bind on roles"
                    } else {
                        "impersonate"
                    };
                    out.push(cx.at_manifest(
                        i,
                        &format!("/rules/{j}/verbs/{k}"),
                        format!("rule {j} grants `*`, which includes {what}"),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn resources_reach_through_wildcards_and_subresource_wildcards() {
        let r = json!({"resources": ["*/exec"]});
        assert!(reaches(&r, "pods/exec"));
        assert!(!reaches(&r, "pods/attach"));
        assert!(reaches(&json!({"resources": ["*"]}), "secrets"));
        assert!(!reaches(&json!({"resources": ["pods"]}), "pods/exec"));
        assert!(core_group(&json!({"apiGroups": [""]})));
        assert!(!core_group(&json!({"apiGroups": ["apps"]})));
        assert_eq!(
            grants(&json!({"verbs": ["watch"]}), &["get", "watch"]).as_deref(),
            Some("watch")
        );
    }
}
