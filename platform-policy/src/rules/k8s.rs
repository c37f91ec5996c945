//! `k8s.*`: pod security, resources, probes, images, service accounts,
//! selectors, replicas and hygiene of workloads (and of Helm values where
//! the concept maps).

use std::sync::Arc;

use platform_model::Severity;
use serde_json::Value;

use super::secrets::secret_name;
use super::support::{meta, rule};
use crate::finding::{ArtefactKind as A, Finding, PssLevel};
use crate::inputs::{field, get, walk};
use crate::joins::{
    ContainerList, ContainerView, ImageRef, Origin, PodView, ReplicaFloor, ScLevel,
};
use crate::rule::{OptionKind, Profile, Rule, RuleContext, RuleOption};
use crate::selector::LabelSelector;

const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

const SELINUX_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var/run", "/run",
];

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::{Baseline, Restricted, Strict};
    use Severity::{Error, Info, Warning};
    let pods_and_values = &[A::Manifest, A::HelmValues];
    let manifests = &[A::Manifest];
    vec![
        rule(meta("k8s.privileged", "Containers are not privileged", Error, pods_and_values, Baseline,
            "A privileged container has every capability and access to the host's devices: it is root on the node. Remove `privileged: true` (PSS baseline).").with_tag("security"), privileged),
        rule(meta("k8s.host-namespaces", "Pods do not share host namespaces", Error, pods_and_values, Baseline,
            "`hostNetwork`, `hostPID` and `hostIPC` let a pod see and reach the node's network, processes and shared memory. Leave them unset or false (PSS baseline).").with_tag("security"), host_namespaces),
        rule(meta("k8s.host-path", "Pods do not mount host paths", Error, pods_and_values, Baseline,
            "A hostPath volume exposes the node's filesystem (the container runtime socket or system directories in the worst case). Use emptyDir, ConfigMaps, Secrets or persistent volumes (PSS baseline).").with_tag("security"), host_path),
        rule(meta("k8s.host-port", "Containers do not bind host ports", Warning, pods_and_values, Baseline,
            "A hostPort ties the pod to a node port, limits scheduling and bypasses network policy. Expose the port through a Service (PSS baseline).").with_tag("security"), host_port),
        rule(meta("k8s.capabilities-added", "Containers add no dangerous capabilities", Error, pods_and_values, Baseline,
            "Added Linux capabilities widen what a compromised container can do. PSS restricted allows only NET_BIND_SERVICE; baseline allows the 13 runtime defaults.").with_tag("security"), capabilities_added),
        rule(meta("k8s.capabilities-drop-all", "Containers drop all capabilities", Warning, pods_and_values, Restricted,
            "Dropping ALL capabilities (`securityContext.capabilities.drop: [ALL]`) removes the runtime's default set; add back only what is needed (PSS restricted).").with_tag("security"), capabilities_drop_all),
        rule(meta("k8s.privilege-escalation", "Privilege escalation is off", Error, pods_and_values, Restricted,
            "`allowPrivilegeEscalation: false` stops setuid binaries and file capabilities from gaining privileges; PSS restricted requires it explicitly on every container.").with_tag("security"), privilege_escalation),
        rule(meta("k8s.run-as-non-root", "Containers run as non-root", Error, pods_and_values, Restricted,
            "Set `runAsNonRoot: true` on the pod (or every container) and never `runAsUser: 0`, so the kubelet refuses to start a container as root (PSS restricted).").with_tag("security"), run_as_non_root),
        rule(meta("k8s.seccomp", "A seccomp profile is set", Warning, pods_and_values, Baseline,
            "`seccompProfile.type: RuntimeDefault` (or Localhost) at pod level, or on every container, filters dangerous system calls. `Unconfined` is an error (PSS baseline); leaving it unset fails PSS restricted.").with_tag("security"), seccomp),
        rule(meta("k8s.read-only-root-fs", "Root filesystems are read-only", Warning, pods_and_values, Restricted,
            "`readOnlyRootFilesystem: true` stops an attacker from changing binaries or dropping tools in the container; mount an emptyDir where the application writes.").with_tag("security"), read_only_root_fs),
        rule(meta("k8s.pss-other", "Other Pod Security Standards controls hold", Error, pods_and_values, Baseline,
            "The remaining PSS controls: procMount Default, only safe sysctls, no custom SELinux user/role or type, AppArmor not unconfined, no Windows HostProcess, no `host` in probes and lifecycle hooks (baseline, errors) and only the restricted volume types (restricted, warnings).").with_tag("security"), pss_other),
        rule(meta("k8s.resources", "Containers request CPU and memory and limit memory", Warning, pods_and_values, Restricted,
            "Without requests the scheduler cannot place pods well and they are evicted first; without a memory limit one leak takes the node's memory. A CPU limit is optional (it throttles) unless `require_cpu_limit` is set.")
            .with_option(RuleOption::new("require_cpu_limit", OptionKind::Bool, "also require `limits.cpu` (default false)")), resources),
        rule(meta("k8s.probes", "Long-running containers have readiness and liveness probes", Warning, manifests, Restricted,
            "Without a readiness probe traffic reaches pods that are not ready; without a liveness probe a hung process is never restarted. A probe must target a port the container declares. Jobs and CronJobs are exempt."), probes),
        rule(meta("k8s.image-tag", "Images have a pinned tag", Error, pods_and_values, Baseline,
            "An image without a tag or with `latest` changes under you: two pods of one Deployment can run different code and rollbacks are impossible. Pin a version tag or a digest. (An empty tag in Helm values falls back to the chart's appVersion and is left to `xref.image-tag-drift`.)").with_tag("security"), image_tag),
        rule(meta("k8s.image-digest", "Images are pinned by digest", Info, manifests, Restricted,
            "Tags can be moved; a digest (`image@sha256:…`) names exactly one image. Pinning by digest is required by the strict profile.").with_strict_severity(Warning).with_tag("security"), image_digest),
        rule(meta("k8s.service-account", "Pods use a dedicated service account without automounted tokens", Warning, pods_and_values, Restricted,
            "The `default` service account is shared by every pod of the namespace; an existing, dedicated account with `automountServiceAccountToken: false` (unless the pod calls the API) keeps a stolen token from reaching the API server.").with_tag("security"), service_account),
        rule(meta("k8s.secret-env", "No literal secrets in environment variables", Error, manifests, Baseline,
            "An environment variable named like a secret, token, password or key with a literal value puts the secret in the manifest and in Git. Use `valueFrom.secretKeyRef` or a mounted Secret.").with_tag("security"), secret_env),
        rule(meta("k8s.selector-match", "Selectors match the pod template", Error, manifests, Baseline,
            "A Deployment, StatefulSet, DaemonSet or ReplicaSet whose `spec.selector` does not match its template's labels is rejected by the API server (or adopts foreign pods)."), selector_match),
        rule(meta("k8s.replicas-min", "Replicated workloads run at least two replicas", Warning, pods_and_values, Restricted,
            "One replica means downtime on every node drain, rollout or crash. Run two or more, or let an HPA own the replica count."), replicas_min),
        rule(meta("k8s.anti-affinity", "Replicas are spread across nodes", Info, manifests, Restricted,
            "With two or more replicas and no podAntiAffinity or topologySpreadConstraints, all replicas can land on one node and fail together."), anti_affinity),
        rule(meta("k8s.job-ttl", "Jobs are cleaned up and CronJobs have a deadline", Info, manifests, Restricted,
            "A Job without `ttlSecondsAfterFinished` stays forever after it finished; a CronJob without `startingDeadlineSeconds` may start late runs in a burst after an outage."), job_ttl),
        rule(meta("k8s.namespace-set", "Objects are not placed in `default`", Info, manifests, Restricted,
            "The `default` namespace mixes unrelated workloads and their permissions. Only a namespace written in the source is judged (an absent one is set at deploy time)."), namespace_set),
        rule(meta("k8s.owner-label", "Workloads carry an owner label", Warning, manifests, Restricted,
            "A label or annotation naming the owning component or system (by default `backstage.io/kubernetes-id` or `app.kubernetes.io/part-of`) lets the catalog, cost tools and on-call find who owns a workload.")
            .with_option(RuleOption::new("keys", OptionKind::StringList, "label or annotation keys, any of which satisfies the rule (default backstage.io/kubernetes-id, app.kubernetes.io/part-of)")), owner_label),
        rule(meta("k8s.network-policy", "Pods are selected by a NetworkPolicy", Info, manifests, Restricted,
            "A pod no NetworkPolicy selects accepts traffic from anywhere in the cluster. Only long-running workloads are checked.").with_tag("security"), network_policy),
        rule(meta("k8s.high-uid", "Containers run with a UID of 10000 or more", Warning, pods_and_values, Strict,
            "UIDs below 10000 may collide with users on the node; a high `runAsUser` limits the damage of a container escape (strict profile).").with_tag("security"), high_uid),
        rule(meta("k8s.pull-policy-always", "Images are pulled on every start", Warning, manifests, Strict,
            "`imagePullPolicy: Always` makes the kubelet check the registry, so a pod cannot start from a cached image it is no longer allowed to pull (strict profile).").with_tag("security"), pull_policy_always),
    ]
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

fn privileged(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in &pod.containers {
            if is_true(pod.sc_get(c, "privileged")) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.sc_field(c, ScLevel::Container, "privileged"),
                        format!("{} is privileged", PodView::label(c)),
                    )
                    .with_pss(PssLevel::Baseline),
                );
            }
        }
    }
    out
}

fn host_namespaces(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            if is_true(pod.pod_get(field)) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.pod_field(field),
                        format!("the pod sets `{field}: true`"),
                    )
                    .with_pss(PssLevel::Baseline),
                );
            }
        }
    }
    out
}

/// The volumes of a pod that are objects, with their positions in
/// `volumes` (pointers are built from them only for findings).
fn volumes<'a>(
    pod: &PodView<'a>,
) -> impl Iterator<Item = (usize, &'a serde_json::Map<String, Value>)> + use<'a> {
    let items = match pod.pod_get("volumes") {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
}

/// Pointer of volume `i` of a pod.
fn volume_pointer(pod: &PodView<'_>, i: usize) -> String {
    format!("{}/volumes/{i}", pod.pod)
}

fn host_path(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for (i, volume) in volumes(pod) {
            let Some(hp) = field(volume, "hostPath") else {
                continue;
            };
            let path = get(hp, "path").and_then(Value::as_str).unwrap_or("");
            let name = field(volume, "name").and_then(Value::as_str).unwrap_or("?");
            let trimmed = path.trim_end_matches('/');
            let detail = if path.ends_with("docker.sock")
                || path.ends_with("containerd.sock")
                || path.ends_with("crio.sock")
            {
                " (the container runtime socket: full control of the node)"
            } else if SENSITIVE_HOST_PATHS
                .iter()
                .any(|s| trimmed == *s || (trimmed.is_empty() && *s == "/"))
            {
                " (a sensitive system directory)"
            } else {
                ""
            };
            out.push(
                cx.at(
                    pod.origin,
                    &format!("{}/hostPath", volume_pointer(pod, i)),
                    format!("volume `{name}` mounts host path `{path}`{detail}"),
                )
                .with_pss(PssLevel::Baseline),
            );
        }
    }
    out
}

fn host_port(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in &pod.containers {
            if let Some(Value::Array(items)) = pod.container_get(c, "ports") {
                for (i, p) in items.iter().enumerate() {
                    if let Some(hp) = get(p, "hostPort")
                        .and_then(Value::as_i64)
                        .filter(|&h| h != 0)
                    {
                        out.push(
                            cx.at(
                                pod.origin,
                                &format!("{}/{i}/hostPort", PodView::container_field(c, "ports")),
                                format!("{} binds host port {hp}", PodView::label(c)),
                            )
                            .with_pss(PssLevel::Baseline),
                        );
                    }
                }
            }
        }
    }
    out
}

/// The strings of a list, with their positions.
fn strings(v: Option<&Value>) -> impl Iterator<Item = (usize, &str)> {
    let items = match v {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.as_str().map(|s| (i, s)))
}

fn capabilities_added(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let baseline_only = cx.profile() == Profile::Baseline;
    for pod in cx.joins().pods(true) {
        let windows = pod.is_windows();
        for c in &pod.containers {
            for (i, cap) in strings(pod.sc_get(c, "capabilities/add")) {
                let name = cap.trim_start_matches("CAP_").to_ascii_uppercase();
                let in_baseline = BASELINE_CAPS.contains(&name.as_str());
                if in_baseline && (baseline_only || name == "NET_BIND_SERVICE" || windows) {
                    continue;
                }
                let level = if in_baseline {
                    PssLevel::Restricted
                } else {
                    PssLevel::Baseline
                };
                let allowed = if in_baseline {
                    "only NET_BIND_SERVICE may be added (PSS restricted)"
                } else {
                    "it is not among the runtime defaults PSS baseline allows"
                };
                let ptr = pod.sc_field(c, ScLevel::Container, "capabilities/add");
                out.push(
                    cx.at(
                        pod.origin,
                        &format!("{ptr}/{i}"),
                        format!("{} adds capability `{cap}`; {allowed}", PodView::label(c)),
                    )
                    .with_pss(level),
                );
            }
        }
    }
    out
}

fn capabilities_drop_all(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let mut drops = strings(pod.sc_get(c, "capabilities/drop"));
            if !drops.any(|(_, d)| d.eq_ignore_ascii_case("ALL")) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.sc_field(c, ScLevel::Container, "capabilities/drop"),
                        format!("{} does not drop ALL capabilities", PodView::label(c)),
                    )
                    .with_label("add `capabilities: {drop: [ALL]}`")
                    .with_pss(PssLevel::Restricted),
                );
            }
        }
    }
    out
}

fn privilege_escalation(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let message = match pod
                .sc_get(c, "allowPrivilegeEscalation")
                .and_then(Value::as_bool)
            {
                Some(false) => continue,
                Some(true) => format!("{} allows privilege escalation", PodView::label(c)),
                None => format!(
                    "{} does not set `allowPrivilegeEscalation: false`",
                    PodView::label(c)
                ),
            };
            out.push(
                cx.at(
                    pod.origin,
                    &pod.sc_field(c, ScLevel::Container, "allowPrivilegeEscalation"),
                    message,
                )
                .with_pss(PssLevel::Restricted),
            );
        }
    }
    out
}

fn run_as_non_root(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        if pod.pod_sc_get("runAsUser").and_then(Value::as_i64) == Some(0) {
            out.push(
                cx.at(
                    pod.origin,
                    &format!("{}/runAsUser", pod.pod_sc),
                    "the pod sets `runAsUser: 0` (root)",
                )
                .with_pss(PssLevel::Restricted),
            );
        }
        for c in &pod.containers {
            if pod.sc_get(c, "runAsUser").and_then(Value::as_i64) == Some(0) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.sc_field(c, ScLevel::Container, "runAsUser"),
                        format!("{} sets `runAsUser: 0` (root)", PodView::label(c)),
                    )
                    .with_pss(PssLevel::Restricted),
                );
            }
            let (value, level) = pod.effective(c, "runAsNonRoot");
            let message = match value.and_then(Value::as_bool) {
                Some(true) => continue,
                Some(false) => format!("{} sets `runAsNonRoot: false`", PodView::label(c)),
                None => format!(
                    "{} may run as root: `runAsNonRoot: true` is set neither on the pod nor on the container",
                    PodView::label(c)
                ),
            };
            out.push(
                cx.at(pod.origin, &pod.sc_field(c, level, "runAsNonRoot"), message)
                    .with_pss(PssLevel::Restricted),
            );
        }
    }
    out
}

fn seccomp(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        let pod_type = pod
            .pod_sc_get("seccompProfile/type")
            .and_then(Value::as_str);
        if pod_type == Some("Unconfined") {
            out.push(
                cx.at(
                    pod.origin,
                    &format!("{}/seccompProfile/type", pod.pod_sc),
                    "the pod's seccomp profile is `Unconfined`",
                )
                .with_severity(cx.severity_or(Severity::Error))
                .with_pss(PssLevel::Baseline),
            );
        }
        for c in &pod.containers {
            let ptr = || pod.sc_field(c, ScLevel::Container, "seccompProfile/type");
            match pod.sc_get(c, "seccompProfile/type").and_then(Value::as_str) {
                Some("Unconfined") => out.push(
                    cx.at(pod.origin, &ptr(), format!("{}'s seccomp profile is `Unconfined`", PodView::label(c)))
                        .with_severity(cx.severity_or(Severity::Error))
                        .with_pss(PssLevel::Baseline),
                ),
                Some(_) => {}
                None if matches!(pod_type, Some("RuntimeDefault" | "Localhost")) || pod.is_windows() => {}
                None if cx.profile() == Profile::Baseline || pod_type.is_some() => {}
                None => out.push(
                    cx.at(pod.origin, &ptr(), format!("no seccomp profile for {}: set `seccompProfile: {{type: RuntimeDefault}}` on the pod or the container", PodView::label(c)))
                        .with_pss(PssLevel::Restricted),
                ),
            }
        }
    }
    out
}

fn read_only_root_fs(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in pod
            .containers
            .iter()
            .filter(|c| c.list != ContainerList::Ephemeral)
        {
            if !is_true(pod.sc_get(c, "readOnlyRootFilesystem")) {
                out.push(cx.at(
                    pod.origin,
                    &pod.sc_field(c, ScLevel::Container, "readOnlyRootFilesystem"),
                    format!("{} has a writable root filesystem", PodView::label(c)),
                ));
            }
        }
    }
    out
}

/// The SELinux and AppArmor checks of `pss_other` for one security
/// context (`container` is `None` for the pod's).
fn selinux_apparmor(
    cx: &RuleContext<'_>,
    pod: &PodView<'_>,
    container: Option<&ContainerView>,
    out: &mut Vec<Finding>,
) {
    let get = |path: &str| match container {
        Some(c) => pod.sc_get(c, path),
        None => pod.pod_sc_get(path),
    };
    // Only built for findings.
    let who = || container.map_or_else(|| "the pod".to_owned(), PodView::label);
    let sc = || container.map_or(pod.pod_sc.as_str(), |c| c.sc.as_str());
    let baseline = |f: Finding| f.with_pss(PssLevel::Baseline);
    if let Some(t) = get("seLinuxOptions/type").and_then(Value::as_str)
        && !SELINUX_TYPES.contains(&t)
    {
        out.push(baseline(cx.at(
            pod.origin,
            &format!("{}/seLinuxOptions/type", sc()),
            format!("{} sets SELinux type `{t}`", who()),
        )));
    }
    for (field, path) in [
        ("user", "seLinuxOptions/user"),
        ("role", "seLinuxOptions/role"),
    ] {
        if get(path)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
        {
            out.push(baseline(cx.at(
                pod.origin,
                &format!("{}/{path}", sc()),
                format!("{} sets a custom SELinux {field}", who()),
            )));
        }
    }
    if let Some(t) = get("appArmorProfile/type").and_then(Value::as_str)
        && t != "RuntimeDefault"
        && t != "Localhost"
    {
        out.push(baseline(cx.at(
            pod.origin,
            &format!("{}/appArmorProfile/type", sc()),
            format!("{} sets AppArmor profile `{t}`", who()),
        )));
    }
}

fn pss_other(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let baseline = |f: Finding| f.with_pss(PssLevel::Baseline);
    for pod in cx.joins().pods(true) {
        // Windows HostProcess.
        if is_true(pod.pod_sc_get("windowsOptions/hostProcess")) {
            out.push(baseline(cx.at(
                pod.origin,
                &format!("{}/windowsOptions/hostProcess", pod.pod_sc),
                "Windows HostProcess containers are privileged",
            )));
        }
        for c in &pod.containers {
            if is_true(pod.sc_get(c, "windowsOptions/hostProcess")) {
                out.push(baseline(cx.at(
                    pod.origin,
                    &pod.sc_field(c, ScLevel::Container, "windowsOptions/hostProcess"),
                    "Windows HostProcess containers are privileged",
                )));
            }
        }
        // Sysctls.
        if let Some(Value::Array(items)) = pod.pod_sc_get("sysctls") {
            for (i, s) in items.iter().enumerate() {
                let name = get(s, "name").and_then(Value::as_str).unwrap_or("");
                if !SAFE_SYSCTLS.contains(&name) {
                    out.push(baseline(cx.at(
                        pod.origin,
                        &format!("{}/sysctls/{i}/name", pod.pod_sc),
                        format!("sysctl `{name}` is not in the safe set"),
                    )));
                }
            }
        }
        // SELinux and AppArmor at pod and container level.
        selinux_apparmor(cx, pod, None, &mut out);
        for c in &pod.containers {
            selinux_apparmor(cx, pod, Some(c), &mut out);
        }
        for c in &pod.containers {
            if let Some(v) = pod.sc_get(c, "procMount").and_then(Value::as_str)
                && v != "Default"
            {
                out.push(baseline(cx.at(
                    pod.origin,
                    &pod.sc_field(c, ScLevel::Container, "procMount"),
                    format!("{} sets `procMount: {v}`", PodView::label(c)),
                )));
            }
            if c.ptr.is_empty() {
                continue;
            }
            for probe in [
                "livenessProbe",
                "readinessProbe",
                "startupProbe",
                "lifecycle/postStart",
                "lifecycle/preStop",
            ] {
                let Some(node) = pod.container_get(c, probe) else {
                    continue;
                };
                for handler in ["httpGet", "tcpSocket"] {
                    if get(node, handler)
                        .and_then(|h| get(h, "host"))
                        .and_then(Value::as_str)
                        .is_some_and(|h| !h.is_empty())
                    {
                        out.push(baseline(cx.at(
                            pod.origin,
                            &format!("{}/{probe}/{handler}/host", c.ptr),
                            format!(
                                "{} sets `host` in `{probe}`: the kubelet would call another host",
                                PodView::label(c)
                            ),
                        )));
                    }
                }
            }
        }
        // AppArmor annotations on the pod template.
        if let (Origin::Manifest(i), Some(kind)) = (pod.origin, pod.kind) {
            let meta = kind.pod_metadata_pointer();
            if let Some(Value::Object(map)) = cx
                .inputs()
                .manifests()
                .get(i)
                .and_then(|m| m.get(meta))
                .and_then(|m| get(m, "annotations"))
            {
                for (k, v) in map {
                    if let (Some(_), Some(v)) = (
                        k.strip_prefix("container.apparmor.security.beta.kubernetes.io/"),
                        v.as_str(),
                    ) && v != "runtime/default"
                        && !v.starts_with("localhost/")
                    {
                        let mut ptr = format!("{meta}/annotations");
                        platform_model::yaml::push_pointer_token(&mut ptr, k);
                        out.push(baseline(cx.at(
                            pod.origin,
                            &ptr,
                            format!("AppArmor annotation sets `{v}`"),
                        )));
                    }
                }
            }
        }
        // Restricted volume types (warnings).
        if cx.profile() >= Profile::Restricted {
            for (i, volume) in volumes(pod) {
                if field(volume, "hostPath").is_some() {
                    continue; // k8s.host-path reports it.
                }
                if let Some(kind) = volume
                    .keys()
                    .find(|k| *k != "name" && !RESTRICTED_VOLUMES.contains(&k.as_str()))
                {
                    let name = field(volume, "name").and_then(Value::as_str).unwrap_or("?");
                    out.push(
                        cx.at(pod.origin, &format!("{}/{kind}", volume_pointer(pod, i)), format!("volume `{name}` uses type `{kind}`, which PSS restricted does not allow"))
                            .with_severity(cx.severity_or(Severity::Warning))
                            .with_pss(PssLevel::Restricted),
                    );
                }
            }
        }
    }
    out
}

fn resources(cx: &RuleContext<'_>) -> Vec<Finding> {
    let cpu_limit = cx.option_bool("require_cpu_limit").unwrap_or(false);
    let mut fields: Vec<(&str, &str, &str)> = vec![
        ("requests", "cpu", "requests/cpu"),
        ("requests", "memory", "requests/memory"),
        ("limits", "memory", "limits/memory"),
    ];
    if cpu_limit {
        fields.push(("limits", "cpu", "limits/cpu"));
    }
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in pod.main_containers() {
            let resources = pod.container_get(c, "resources");
            let mut missing: Vec<(&str, &str)> = Vec::new();
            for &(section, what, path) in &fields {
                if resources
                    .and_then(|r| walk(r, path))
                    .is_none_or(Value::is_null)
                {
                    missing.push((section, what));
                }
            }
            if missing.is_empty() {
                continue;
            }
            let ptr = if missing.iter().all(|(s, _)| *s == "limits") {
                format!("{}/limits", c.resources)
            } else if missing.iter().all(|(s, _)| *s == "requests") {
                format!("{}/requests", c.resources)
            } else {
                c.resources.clone()
            };
            let missing: Vec<String> = missing
                .iter()
                .map(|(section, what)| format!("{section}.{what}"))
                .collect();
            out.push(cx.at(
                pod.origin,
                &ptr,
                format!("{} does not set {}", PodView::label(c), missing.join(", ")),
            ));
        }
    }
    out
}

fn probes(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        if !pod.kind.is_some_and(|k| k.is_long_running()) {
            continue;
        }
        for c in pod.main_containers() {
            let ports = pod.container_get(c, "ports").and_then(Value::as_array);
            for probe in ["readinessProbe", "livenessProbe"] {
                let Some(p) = pod.container_get(c, probe) else {
                    out.push(cx.at(
                        pod.origin,
                        &PodView::container_field(c, probe),
                        format!("{} has no {probe}", PodView::label(c)),
                    ));
                    continue;
                };
                for handler in ["httpGet", "tcpSocket", "grpc"] {
                    let Some(port) = get(p, handler).and_then(|h| get(h, "port")) else {
                        continue;
                    };
                    let declared = ports.is_some_and(|ps| {
                        ps.iter().any(|x| match port {
                            Value::String(name) => {
                                get(x, "name").and_then(Value::as_str) == Some(name.as_str())
                            }
                            Value::Number(n) => {
                                get(x, "containerPort").and_then(Value::as_i64) == n.as_i64()
                            }
                            _ => true,
                        })
                    });
                    if !declared {
                        out.push(cx.at(pod.origin, &format!("{}/{probe}/{handler}/port", c.ptr),
                            format!("the {probe} of {} targets port {port}, which the container does not declare", PodView::label(c)),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn image_problem(image: &ImageRef, values: bool) -> Option<String> {
    if image.digest.is_some() {
        return None;
    }
    match image.tag.as_deref() {
        None if values => None,
        Some("") if values => None,
        None | Some("") => Some(format!(
            "image `{}` has no tag (it means `latest`)",
            image.full_name()
        )),
        Some("latest") => Some(format!(
            "image `{}` uses the `latest` tag",
            image.full_name()
        )),
        Some(_) => None,
    }
}

fn image_tag(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in &pod.containers {
            let Some(image) = pod.image(c) else {
                continue;
            };
            if let Some(message) = image_problem(&image, pod.is_values()) {
                let ptr = pod.image_pointer(c);
                out.push(cx.at(
                    pod.origin,
                    &ptr,
                    format!("{message} ({})", PodView::label(c)),
                ));
            }
        }
    }
    out
}

fn image_digest(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            let Some(image) = pod.image(c) else {
                continue;
            };
            if image.digest.is_none() && image_problem(&image, false).is_none() {
                out.push(cx.at(
                    pod.origin,
                    &c.image,
                    format!(
                        "image `{}:{}` is pinned by tag, not by digest",
                        image.full_name(),
                        image.tag.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
    }
    out
}

fn service_account(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let joins = cx.joins();
    let known = joins.has_service_accounts();
    for pod in cx.joins().pods(true) {
        if pod.is_values() {
            let create = pod.get("/serviceAccount/create").and_then(Value::as_bool);
            let name = pod
                .get("/serviceAccount/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if create == Some(false) && (name.is_empty() || name == "default") {
                out.push(cx.at(
                    pod.origin,
                    "/serviceAccount/create",
                    "the chart uses the namespace's `default` service account",
                ));
            }
            if pod.get("/serviceAccount").is_some()
                && pod
                    .get("/serviceAccount/automount")
                    .and_then(Value::as_bool)
                    != Some(false)
            {
                out.push(cx.at(pod.origin, "/serviceAccount/automount", "the service account token is automounted; set `serviceAccount.automount: false` unless the pod calls the API"));
            }
            continue;
        }
        let Origin::Manifest(i) = pod.origin else {
            continue;
        };
        let Some(m) = cx.inputs().manifests().get(i) else {
            continue;
        };
        let name = pod
            .pod_get("serviceAccountName")
            .or_else(|| pod.pod_get("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        let ns = m.namespace_or_default();
        if name == "default" {
            out.push(cx.at(
                pod.origin,
                &pod.pod_field("serviceAccountName"),
                "the pod uses the namespace's `default` service account",
            ));
        } else if known && !joins.has_service_account(ns, name) {
            out.push(cx.at(
                pod.origin,
                &pod.pod_field("serviceAccountName"),
                format!("service account `{name}` is not defined in the input"),
            ));
        }
        if pod
            .pod_get("automountServiceAccountToken")
            .and_then(Value::as_bool)
            .is_none()
            && !joins.automount_off(ns, name)
        {
            out.push(cx.at(pod.origin, &pod.pod_field("automountServiceAccountToken"), "the service account token is automounted; set `automountServiceAccountToken: false` unless the pod calls the API"));
        }
    }
    out
}

fn secret_env(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            if let Some(Value::Array(items)) = pod.container_get(c, "env") {
                for (i, e) in items.iter().enumerate() {
                    let name = get(e, "name").and_then(Value::as_str).unwrap_or("");
                    let literal = get(e, "value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty());
                    if literal && secret_name(name) {
                        out.push(
                            cx.at(
                                pod.origin,
                                &format!("{}/{i}/value", PodView::container_field(c, "env")),
                                format!(
                                    "environment variable `{name}` of {} holds a literal secret",
                                    PodView::label(c)
                                ),
                            )
                            .with_label("use valueFrom.secretKeyRef"),
                        );
                    }
                }
            }
        }
    }
    out
}

fn selector_match(cx: &RuleContext<'_>) -> Vec<Finding> {
    use crate::inputs::WorkloadKind as W;
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        if !matches!(
            m.workload_kind(),
            Some(W::Deployment | W::StatefulSet | W::DaemonSet | W::ReplicaSet)
        ) {
            continue;
        }
        let Some(sel) = m.get("/spec/selector") else {
            out.push(cx.at_manifest(
                i,
                "/spec/selector",
                format!("{} has no `spec.selector`", m.kind),
            ));
            continue;
        };
        match LabelSelector::from_value(sel) {
            Err(e) => out.push(cx.at_manifest(i, "/spec/selector", e)),
            Ok(s) if s.is_empty() => {
                out.push(cx.at_manifest(i, "/spec/selector", "the selector is empty"))
            }
            Ok(s) => {
                let empty = serde_json::Map::new();
                if !s.matches(m.pod_labels().unwrap_or(&empty)) {
                    out.push(cx.at_manifest(
                        i,
                        "/spec/selector",
                        "the selector does not match the pod template's labels",
                    ));
                }
            }
        }
    }
    out
}

fn replicas_min(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        if !m.workload_kind().is_some_and(|k| k.is_replicated())
            || !cx.joins().hpas_of(i).is_empty()
        {
            continue;
        }
        let replicas = m.replicas().unwrap_or(1);
        if replicas < 2 {
            out.push(cx.at_manifest(
                i,
                "/spec/replicas",
                format!(
                    "{} runs {replicas} replica{}",
                    m.kind,
                    if replicas == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    for (i, v) in cx.inputs().values().iter().enumerate() {
        if is_true(v.get("/autoscaling/enabled")) {
            continue;
        }
        if let Some(n) = v.get("/replicaCount").and_then(Value::as_i64)
            && n < 2
        {
            out.push(cx.at_values(
                i,
                "/replicaCount",
                format!(
                    "the chart runs {n} replica{} and autoscaling is off",
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    out
}

fn anti_affinity(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        let Some(ReplicaFloor {
            count: floor,
            by_hpa: _,
        }) = cx.joins().replica_floor(i)
        else {
            continue;
        };
        if floor < 2 {
            continue;
        }
        let pod = m.workload_kind().map_or("/spec", |k| k.pod_spec_pointer());
        let spread = m
            .get(&format!("{pod}/topologySpreadConstraints"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let anti = m.get(&format!("{pod}/affinity/podAntiAffinity")).is_some();
        if !spread && !anti {
            out.push(cx.at_manifest(i, &format!("{pod}/affinity"), format!("{floor} replicas without podAntiAffinity or topologySpreadConstraints may all land on one node")));
        }
    }
    out
}

fn job_ttl(cx: &RuleContext<'_>) -> Vec<Finding> {
    use crate::inputs::WorkloadKind as W;
    cx.workloads()
        .filter_map(|(i, m)| {
            let (ptr, message) = match m.workload_kind()? {
                W::Job => (
                    "/spec/ttlSecondsAfterFinished",
                    "the Job sets no `ttlSecondsAfterFinished`; finished Jobs and their pods stay forever",
                ),
                W::CronJob => (
                    "/spec/startingDeadlineSeconds",
                    "the CronJob sets no `startingDeadlineSeconds`",
                ),
                _ => return None,
            };
            m.get(ptr).is_none().then(|| cx.at_manifest(i, ptr, message))
        })
        .collect()
}

fn namespace_set(cx: &RuleContext<'_>) -> Vec<Finding> {
    cx.inputs()
        .manifests()
        .iter()
        .enumerate()
        .filter(|(_, m)| m.namespace.as_deref() == Some("default"))
        .map(|(i, m)| {
            cx.at_manifest(
                i,
                "/metadata/namespace",
                format!("{} is placed in the `default` namespace", m.kind),
            )
        })
        .collect()
}

fn owner_label(cx: &RuleContext<'_>) -> Vec<Finding> {
    let keys = cx.option_strings("keys").unwrap_or_else(|| {
        vec![
            "backstage.io/kubernetes-id".into(),
            "app.kubernetes.io/part-of".into(),
        ]
    });
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        let has = keys.iter().any(|k| {
            m.label(k).is_some()
                || m.annotations().and_then(|a| a.get(k)).is_some()
                || m.pod_labels().and_then(|l| l.get(k)).is_some()
        });
        if !has {
            out.push(cx.at_manifest(
                i,
                "/metadata/labels",
                format!(
                        "{} has none of the owner labels {}",
                        m.kind,
                        keys.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
            ));
        }
    }
    out
}

fn network_policy(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    cx.workloads()
        .filter(|(i, m)| {
            m.workload_kind().is_some_and(|k| k.is_long_running()) && !joins.is_netpol_covered(*i)
        })
        .map(|(i, m)| {
            let ptr = m
                .workload_kind()
                .map_or("/metadata", |k| k.pod_metadata_pointer());
            cx.at_manifest(
                i,
                &format!("{ptr}/labels"),
                "no NetworkPolicy in the input selects these pods",
            )
        })
        .collect()
}

fn high_uid(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let (value, level) = pod.effective(c, "runAsUser");
            let message = match value.and_then(Value::as_i64) {
                Some(uid) if uid >= 10_000 => continue,
                Some(uid) => format!("{} runs as UID {uid}, below 10000", PodView::label(c)),
                None => format!(
                    "{} sets no `runAsUser`; the image's user applies",
                    PodView::label(c)
                ),
            };
            out.push(cx.at(pod.origin, &pod.sc_field(c, level, "runAsUser"), message));
        }
    }
    out
}

fn pull_policy_always(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            let policy = pod
                .container_get(c, "imagePullPolicy")
                .and_then(Value::as_str);
            let image = pod.image(c);
            // Kubernetes defaults to Always for untagged and `latest` images.
            let defaults_to_always = image.as_ref().is_some_and(|i| {
                i.digest.is_none() && matches!(i.tag.as_deref(), None | Some("latest"))
            });
            let message = match policy {
                Some("Always") => continue,
                None if defaults_to_always => continue,
                Some(p) => format!("{} uses `imagePullPolicy: {p}`", PodView::label(c)),
                None => format!(
                    "{} does not set `imagePullPolicy: Always`",
                    PodView::label(c)
                ),
            };
            out.push(cx.at(
                pod.origin,
                &PodView::container_field(c, "imagePullPolicy"),
                message,
            ));
        }
    }
    out
}
