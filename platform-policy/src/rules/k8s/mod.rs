//! `k8s.*`: pod security, resources, probes, images, service accounts,
//! selectors, replicas and hygiene of workloads (and of Helm values where
//! the concept maps).
//!
//! This file holds the rule table; the rules' code is grouped by topic:
//! `host`, `privilege`, `users`, `confinement` and `pss_other` (pod
//! security after the Pod Security Standards), `resources`, `probes`,
//! `images`, `credentials` (service accounts and secrets in the
//! environment), `selectors`, `availability` (replicas and spreading),
//! `jobs`, `hygiene` (namespaces, owner labels) and `networking`; `read`
//! holds the field readers they share.

mod api_version;
mod availability;
mod confinement;
mod credentials;
mod env;
mod host;
mod hygiene;
mod images;
mod jobs;
mod networking;
mod ports;
mod privilege;
mod probes;
mod pss_other;
mod read;
mod resources;
mod selectors;
mod services;
mod users;

use std::sync::Arc;

use platform_model::Severity;

use super::support::{meta, rule};
use crate::finding::ArtefactKind as A;
use crate::rule::{OptionKind, Profile, Rule, RuleOption};
use api_version::api_version;
use availability::{anti_affinity, replicas_min};
use confinement::{read_only_root_fs, seccomp};
use credentials::{env_secret_ref, secret_env, service_account};
use env::duplicate_env;
use host::{host_namespaces, host_path, host_port};
use hygiene::{namespace_set, owner_label};
use images::{image_digest, image_tag, pull_policy_always};
use jobs::job_ttl;
use networking::network_policy;
use ports::{privileged_port, ssh_port};
use privilege::{capabilities_added, capabilities_drop_all, privilege_escalation, privileged};
use probes::{probes, probes_identical};
use pss_other::pss_other;
use resources::resources;
use selectors::selector_match;
use services::{
    ingress_backend, ingress_tls, netpol_selector, service_load_balancer, service_nodeport,
    service_selector,
};
use users::{high_uid, root_group, run_as_non_root};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::{Baseline, Restricted, Strict};
    use Severity::{Error, Info, Warning};
    let pods_and_values = &[A::Manifest, A::HelmValues];
    let manifests = &[A::Manifest];
    vec![
        rule(meta("k8s.api-version", "Objects use an apiVersion that serves their kind", Error, manifests, Baseline,
            "The API server refuses a built-in kind under an `apiVersion` that does not serve it (`v1` for a Deployment) or that Kubernetes removed (`extensions/v1beta1` Ingresses, removed in 1.22), and no other rule can judge such an object. Use the version the finding names. With `kubernetes_version` set, a version removed only after that release is a warning.")
            .with_option(RuleOption::new("kubernetes_version", OptionKind::String, "the cluster's Kubernetes release (`1.27`): versions removed after it warn instead of failing (default: the newest release)")), api_version),
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
            "Without requests the scheduler cannot place pods well and they are evicted first; without a memory limit one leak takes the node's memory. A request left out defaults to its limit, as Kubernetes sets it. A CPU limit is optional (it throttles) unless `require_cpu_limit` is set.")
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
            "One replica means downtime on every node drain, rollout or crash. Run two or more, or let an HPA own the replica count (a KEDA ScaledObject must keep `minReplicaCount` at the minimum too). The default minimum is two, the least that survives one disruption; set `min_replicas` for more.")
            .with_option(RuleOption::new("min_replicas", OptionKind::Integer, "the fewest replicas a workload may run (default 2)")), replicas_min),
        rule(meta("k8s.anti-affinity", "Replicas are spread across nodes", Info, manifests, Restricted,
            "With two or more replicas and no podAntiAffinity or topologySpreadConstraints, all replicas can land on one node and fail together; a term or constraint must select the workload's own pods. The default threshold is two replicas, the least that can be spread; raise it with `min_replicas` where the scheduler's default spreading is trusted for small workloads.")
            .with_option(RuleOption::new("min_replicas", OptionKind::Integer, "the replica count (or autoscaler minimum) from which spreading is required (default 2)")), anti_affinity),
        rule(meta("k8s.job-ttl", "Jobs are cleaned up and CronJobs have a deadline", Info, manifests, Restricted,
            "A Job without `ttlSecondsAfterFinished` stays forever after it finished; a CronJob without `startingDeadlineSeconds` may start late runs in a burst after an outage."), job_ttl),
        rule(meta("k8s.namespace-set", "Objects are not placed in `default`", Info, manifests, Restricted,
            "The `default` namespace mixes unrelated workloads and their permissions. Only a namespace written in the source is judged (an absent one is set at deploy time)."), namespace_set),
        rule(meta("k8s.owner-label", "Workloads carry an owner label", Warning, manifests, Restricted,
            "A label or annotation naming the owning component or system (by default `backstage.io/kubernetes-id` or `app.kubernetes.io/part-of`) lets the catalog, cost tools and on-call find who owns a workload.")
            .with_option(RuleOption::new("keys", OptionKind::StringList, "label or annotation keys, any of which satisfies the rule (default backstage.io/kubernetes-id, app.kubernetes.io/part-of)")), owner_label),
        rule(meta("k8s.network-policy", "Pods are selected by a NetworkPolicy", Info, manifests, Restricted,
            "A pod no NetworkPolicy selects accepts traffic from anywhere in the cluster and reaches anything. Job and CronJob pods are checked too (they talk to databases and APIs like any pod) unless `batch` is false. By default any selecting policy satisfies the rule, because teams adopt ingress isolation first and egress lists need every dependency known; `directions: [Ingress, Egress]` requires both to be restricted.")
            .with_option(RuleOption::new("batch", OptionKind::Bool, "also check the pods of Jobs and CronJobs (default true)"))
            .with_option(RuleOption::new("directions", OptionKind::StringList, "the directions (`Ingress`, `Egress`) the selecting policies must restrict (default: none in particular)")).with_tag("security"), network_policy),
        rule(meta("k8s.netpol-selector", "NetworkPolicies select pods", Warning, manifests, Restricted,
            "A NetworkPolicy whose `podSelector` matches no pod of its namespace in the input protects nothing, usually because a label was renamed. An empty selector (`{}`, every pod) is the default-deny idiom and is fine."), netpol_selector),
        rule(meta("k8s.service-selector", "Services select pods", Warning, manifests, Restricted,
            "A Service whose `selector` matches no pod of its namespace in the input has no endpoints: its clients get connection errors. Services without a selector (endpoints managed elsewhere) and ExternalName Services are not judged."), service_selector),
        rule(meta("k8s.ingress-backend", "Ingresses route to Services of the input", Warning, manifests, Restricted,
            "An Ingress backend naming a Service that is not in the input (in the Ingress' namespace) answers 503; check the name or add the Service."), ingress_backend),
        rule(meta("k8s.ingress-tls", "Ingresses terminate TLS", Warning, manifests, Restricted,
            "An Ingress without `spec.tls` serves plain HTTP: credentials and session cookies cross the network unencrypted. Add a `tls` section with a certificate Secret (cert-manager can issue it).").with_tag("security"), ingress_tls),
        rule(meta("k8s.service-nodeport", "Services are not NodePorts", Warning, manifests, Restricted,
            "A NodePort Service opens its port on every node, past Ingress, TLS termination and most network policies. Expose it through an Ingress or a Gateway, or keep it ClusterIP.").with_tag("security"), service_nodeport),
        rule(meta("k8s.service-load-balancer", "Services do not get their own load balancer", Info, manifests, Strict,
            "A LoadBalancer Service gets a cloud load balancer of its own, reachable from outside the cluster and billed per Service; route through the shared Ingress or Gateway instead (strict profile).").with_tag("security"), service_load_balancer),
        rule(meta("k8s.ssh-port", "Containers do not expose SSH", Warning, manifests, Restricted,
            "Port 22 in a container means an SSH server in the image: another way in, with its own keys to manage. Use `kubectl exec` or an ephemeral debug container.").with_tag("security"), ssh_port),
        rule(meta("k8s.privileged-port", "Containers listen on unprivileged ports", Warning, manifests, Restricted,
            "Binding a port below 1024 needs root or NET_BIND_SERVICE inside the container. Listen on a high port and map it in the Service (`port: 80`, `targetPort: 8080`)."), privileged_port),
        rule(meta("k8s.duplicate-env", "Environment variables are defined once", Warning, manifests, Baseline,
            "When a container defines the same environment variable twice, the last definition silently wins: the first one is dead configuration that readers take for the truth."), duplicate_env),
        rule(meta("k8s.env-secret-ref", "Secrets are mounted as files, not environment variables", Info, manifests, Strict,
            "Environment variables leak: into crash reports, `/proc/<pid>/environ`, child processes and logs that print the environment. A Secret mounted as a volume is read only when needed and is updated in place (strict profile).").with_tag("security"), env_secret_ref),
        rule(meta("k8s.probes-identical", "Readiness and liveness probes differ", Warning, manifests, Restricted,
            "With identical probes, a pod that is only slow (its database is) fails liveness as soon as it fails readiness and is restarted, which makes an overload worse. Make the liveness probe cheaper or more tolerant (a higher `failureThreshold`)."), probes_identical),
        rule(meta("k8s.root-group", "Containers do not run with the root group", Warning, pods_and_values, Restricted,
            "`runAsGroup: 0` gives the process the root group, which owns many files of an image and of mounted volumes; pick a non-zero GID.").with_tag("security"), root_group),
        rule(meta("k8s.high-uid", "Containers run with a UID of 10000 or more", Warning, pods_and_values, Strict,
            "UIDs below 10000 may collide with users on the node; a high `runAsUser` limits the damage of a container escape (strict profile).").with_tag("security"), high_uid),
        rule(meta("k8s.pull-policy-always", "Images are pulled on every start", Warning, manifests, Strict,
            "`imagePullPolicy: Always` makes the kubelet check the registry, so a pod cannot start from a cached image it is no longer allowed to pull (strict profile).").with_tag("security"), pull_policy_always),
    ]
}
