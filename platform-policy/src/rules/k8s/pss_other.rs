//! The remaining Pod Security Standards controls (`k8s.pss-other`): Windows
//! HostProcess, sysctls, SELinux, AppArmor, procMount, hosts in probes and
//! lifecycle hooks, and the volume types PSS restricted allows.

use platform_model::Severity;
use serde_json::Value;

use super::read::{is_true, volume_pointer, volumes};
use crate::finding::{Finding, PssLevel};
use crate::inputs::{field, get};
use crate::joins::{ContainerView, Origin, PodView, ScLevel};
use crate::rule::{Profile, RuleContext};

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

pub(super) fn pss_other(cx: &RuleContext<'_>) -> Vec<Finding> {
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
