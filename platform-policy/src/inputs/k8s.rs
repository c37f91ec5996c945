//! Kubernetes objects: the envelope, workloads and where their pods are.

use serde_json::{Map, Value};

use super::location::YamlLocation;
use super::pointer::{field, get, pointer};

/// The workload kinds whose pods the rules inspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WorkloadKind {
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `v1` ReplicationController.
    ReplicationController,
    /// `batch/v1` Job.
    Job,
    /// `batch/v1` CronJob (its `jobTemplate` is inspected).
    CronJob,
    /// `v1` Pod.
    Pod,
    /// `v1` PodTemplate (its `template` is inspected).
    PodTemplate,
    /// OpenShift's `apps.openshift.io/v1` DeploymentConfig.
    DeploymentConfig,
}

impl WorkloadKind {
    /// Whether pods run until stopped (probes and replicas matter), as
    /// opposed to run-to-completion Jobs and CronJobs.
    #[must_use]
    pub fn is_long_running(self) -> bool {
        !matches!(self, Self::Job | Self::CronJob)
    }

    /// Whether the kind has a `spec.replicas` and is covered by disruption
    /// budget rules (Deployment and StatefulSet, as in the spec).
    #[must_use]
    pub fn is_replicated(self) -> bool {
        matches!(
            self,
            Self::Deployment | Self::StatefulSet | Self::DeploymentConfig
        )
    }

    /// JSON pointer of the pod spec inside the object.
    #[must_use]
    pub fn pod_spec_pointer(self) -> &'static str {
        match self {
            Self::Pod => "/spec",
            Self::PodTemplate => "/template/spec",
            Self::CronJob => "/spec/jobTemplate/spec/template/spec",
            _ => "/spec/template/spec",
        }
    }

    /// JSON pointer of the pod metadata (labels, annotations).
    #[must_use]
    pub fn pod_metadata_pointer(self) -> &'static str {
        match self {
            Self::Pod => "/metadata",
            Self::PodTemplate => "/template/metadata",
            Self::CronJob => "/spec/jobTemplate/spec/template/metadata",
            _ => "/spec/template/metadata",
        }
    }
}

/// One Kubernetes object of a manifest file (items of a `List` are objects
/// of their own).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Manifest {
    /// Where the object is written.
    pub location: YamlLocation,
    /// The object as JSON.
    pub value: Value,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name` (empty when absent).
    pub name: String,
    /// `metadata.namespace` as written.
    pub namespace: Option<String>,
}

impl Manifest {
    pub(crate) fn new(location: YamlLocation, value: Value) -> Self {
        let text = |p: &str| {
            pointer(&value, p)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let api_version = text("/apiVersion").unwrap_or_default();
        let kind = text("/kind").unwrap_or_default();
        let name = text("/metadata/name")
            .or_else(|| text("/metadata/generateName"))
            .unwrap_or_default();
        let namespace = text("/metadata/namespace");
        Self {
            location,
            value,
            api_version,
            kind,
            name,
            namespace,
        }
    }

    /// The API group (`""` for the core group).
    #[must_use]
    pub fn group(&self) -> &str {
        self.api_version
            .split_once('/')
            .map_or("", |(group, _)| group)
    }

    /// The namespace, `default` when not written (as `kubectl apply` without
    /// `-n` would place it).
    #[must_use]
    pub fn namespace_or_default(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    /// The value at a JSON pointer inside the object.
    #[must_use]
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        super::pointer::pointer(&self.value, pointer)
    }

    /// `metadata.labels`.
    #[must_use]
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.get("/metadata/labels").and_then(Value::as_object)
    }

    /// One label of `metadata.labels`.
    #[must_use]
    pub fn label(&self, key: &str) -> Option<&str> {
        field(self.labels()?, key)?.as_str()
    }

    /// `metadata.annotations`.
    #[must_use]
    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.get("/metadata/annotations").and_then(Value::as_object)
    }

    /// The workload kind, when this object runs pods.
    #[must_use]
    pub fn workload_kind(&self) -> Option<WorkloadKind> {
        let group = self.group();
        Some(match (group, self.kind.as_str()) {
            ("apps" | "extensions", "Deployment") => WorkloadKind::Deployment,
            ("apps", "StatefulSet") => WorkloadKind::StatefulSet,
            ("apps" | "extensions", "DaemonSet") => WorkloadKind::DaemonSet,
            ("apps" | "extensions", "ReplicaSet") => WorkloadKind::ReplicaSet,
            ("", "ReplicationController") => WorkloadKind::ReplicationController,
            ("batch", "Job") => WorkloadKind::Job,
            ("batch", "CronJob") => WorkloadKind::CronJob,
            ("", "Pod") => WorkloadKind::Pod,
            ("", "PodTemplate") => WorkloadKind::PodTemplate,
            ("apps.openshift.io", "DeploymentConfig") => WorkloadKind::DeploymentConfig,
            _ => return None,
        })
    }

    /// Whether this is a kind in `group` (any version).
    #[must_use]
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }

    /// The labels of the pods this workload creates (the template's, or the
    /// Pod's own).
    #[must_use]
    pub fn pod_labels(&self) -> Option<&Map<String, Value>> {
        let kind = self.workload_kind()?;
        let metadata = self.get(kind.pod_metadata_pointer())?;
        get(metadata, "labels").and_then(Value::as_object)
    }

    /// `spec.replicas` as an integer, when written.
    #[must_use]
    pub fn replicas(&self) -> Option<i64> {
        self.get("/spec/replicas").and_then(Value::as_i64)
    }

    /// The fewest replicas an autoscaler keeps: an
    /// HorizontalPodAutoscaler's `minReplicas` (default 1), a KEDA
    /// ScaledObject's `minReplicaCount` (default 0: KEDA scales to zero).
    /// `None` for other kinds.
    #[must_use]
    pub fn autoscaler_min_replicas(&self) -> Option<i64> {
        let (pointer, default) = if self.is("autoscaling", "HorizontalPodAutoscaler") {
            ("/spec/minReplicas", 1)
        } else if self.is("keda.sh", "ScaledObject") {
            ("/spec/minReplicaCount", 0)
        } else {
            return None;
        };
        Some(self.get(pointer).and_then(Value::as_i64).unwrap_or(default))
    }

    /// Pointer of the autoscaler's lower bound (`/spec/minReplicas`, or
    /// `/spec/minReplicaCount` for a KEDA ScaledObject).
    #[must_use]
    pub fn autoscaler_min_pointer(&self) -> &'static str {
        if self.is("keda.sh", "ScaledObject") {
            "/spec/minReplicaCount"
        } else {
            "/spec/minReplicas"
        }
    }

    /// A short description: `Deployment payments/payment-service`, or
    /// `Deployment payment-service` when no namespace is written.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// Kinds that are known and deliberately not inspected (no note is given
/// for them). Kinds defined by a CustomResourceDefinition or a Crossplane
/// CompositeResourceDefinition of the same input are known too.
pub(crate) const KNOWN_KINDS: &[&str] = &[
    "APIService",
    "AppProject",
    "Application",
    "ApplicationSet",
    "Certificate",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentConfig",
    "CompositeResourceDefinition",
    "Composition",
    "CompositionRevision",
    "ConfigMap",
    "Configuration",
    "ControllerRevision",
    "CronJob",
    "CSIDriver",
    "CustomResourceDefinition",
    "DaemonSet",
    "Deployment",
    "DeploymentConfig",
    "DeploymentRuntimeConfig",
    "Endpoints",
    "EndpointSlice",
    "EnvironmentConfig",
    "Event",
    "ExternalSecret",
    "Function",
    "Gateway",
    "GatewayClass",
    "GRPCRoute",
    "HorizontalPodAutoscaler",
    "HTTPRoute",
    "Ingress",
    "IngressClass",
    "Issuer",
    "Job",
    "Kustomization",
    "Lease",
    "LimitRange",
    "MutatingWebhookConfiguration",
    "Namespace",
    "NetworkPolicy",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Pod",
    "PodDisruptionBudget",
    "PodMonitor",
    "PodTemplate",
    "PriorityClass",
    "PrometheusRule",
    "Provider",
    "ProviderConfig",
    "ReplicaSet",
    "ReplicationController",
    "ResourceQuota",
    "Role",
    "RoleBinding",
    "RuntimeClass",
    "ScaledJob",
    "ScaledObject",
    "Secret",
    "SecretStore",
    "ClusterSecretStore",
    "Service",
    "ServiceAccount",
    "ServiceMonitor",
    "StatefulSet",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VerticalPodAutoscaler",
    "VolumeAttachment",
];
