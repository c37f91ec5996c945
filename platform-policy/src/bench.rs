//! Synthetic trees for benchmarks: N Deployments, each with a
//! PodDisruptionBudget and an HorizontalPodAutoscaler, one object per file,
//! half of them on the golden path and half with the usual defects.

use std::io;
use std::path::Path;

/// Writes `workloads` Deployments, PDBs and HPAs under `dir` (one object
/// per file, 100 workloads per sub-directory); even-numbered workloads are
/// compliant, odd ones have a `latest` image, no security context, no
/// resources, a PDB with `maxUnavailable: 0` and an HPA with `minReplicas: 1`.
/// Returns the number of files written.
///
/// # Errors
///
/// Any I/O error while writing.
#[doc(hidden)]
pub fn write_workloads(dir: &Path, workloads: usize) -> io::Result<usize> {
    let mut files = 0;
    for i in 0..workloads {
        let sub = dir.join(format!("team-{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub)?;
        }
        let name = format!("svc-{i:05}");
        let good = i % 2 == 0;
        std::fs::write(
            sub.join(format!("{name}-deployment.yaml")),
            deployment(&name, good),
        )?;
        std::fs::write(sub.join(format!("{name}-pdb.yaml")), pdb(&name, good))?;
        std::fs::write(sub.join(format!("{name}-hpa.yaml")), hpa(&name, good))?;
        files += 3;
    }
    Ok(files)
}

fn deployment(name: &str, good: bool) -> String {
    let (image, security, resources) = if good {
        (
            format!("registry.acme.internal/team/{name}:1.4.2"),
            "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 65534\n        seccompProfile:\n          type: RuntimeDefault\n",
            "          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [ALL]\n          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n            limits: {memory: 256Mi}\n",
        )
    } else {
        (format!("registry.acme.internal/team/{name}:latest"), "", "")
    };
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: team
  labels:
    app.kubernetes.io/name: {name}
    backstage.io/kubernetes-id: {name}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        backstage.io/kubernetes-id: {name}
    spec:
      serviceAccountName: {name}
      automountServiceAccountToken: false
{security}      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {name}
      containers:
        - name: app
          image: {image}
          ports:
            - name: http
              containerPort: 8080
{resources}          readinessProbe:
            httpGet: {{path: /health, port: http}}
          livenessProbe:
            httpGet: {{path: /health, port: http}}
"
    )
}

fn pdb(name: &str, good: bool) -> String {
    let policy = if good {
        "minAvailable: 1"
    } else {
        "maxUnavailable: 0"
    };
    format!(
        "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
  namespace: team
spec:
  {policy}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
"
    )
}

fn hpa(name: &str, good: bool) -> String {
    let min = if good { 2 } else { 1 };
    format!(
        "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: team
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: {min}
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {{type: Utilization, averageUtilization: 70}}
"
    )
}

/// Three validations each for the admission-policy benchmark: realistic
/// checks over a Deployment's metadata, replicas and containers.
const ADMISSION_VALIDATIONS: [[&str; 3]; 10] = [
    [
        "object.spec.replicas <= 50",
        "object.spec.replicas >= 1",
        "has(object.spec.selector)",
    ],
    [
        "has(object.metadata.labels)",
        "'app' in object.metadata.labels",
        "object.metadata.name.size() <= 63",
    ],
    [
        "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))",
        "object.spec.template.spec.containers.all(c, c.image.contains(':'))",
        "object.spec.template.spec.containers.size() <= 10",
    ],
    [
        "object.spec.template.spec.containers.all(c, has(c.resources))",
        "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !has(c.resources.limits.memory) || quantity(c.resources.limits.memory).isLessThan(quantity('64Gi')))",
        "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.requests) || !has(c.resources.requests.cpu) || isQuantity(c.resources.requests.cpu))",
    ],
    [
        "!has(object.spec.template.spec.hostNetwork) || !object.spec.template.spec.hostNetwork",
        "!has(object.spec.template.spec.hostPID) || !object.spec.template.spec.hostPID",
        "!has(object.spec.template.spec.hostIPC) || !object.spec.template.spec.hostIPC",
    ],
    [
        "object.spec.template.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)",
        "object.spec.template.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.allowPrivilegeEscalation) || !c.securityContext.allowPrivilegeEscalation)",
        "object.spec.template.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(x, x == 'NET_BIND_SERVICE'))",
    ],
    [
        "!has(object.spec.template.spec.volumes) || object.spec.template.spec.volumes.all(v, !has(v.hostPath))",
        "object.spec.template.spec.containers.all(c, !has(c.ports) || c.ports.all(p, p.containerPort > 1024))",
        "object.spec.template.spec.containers.all(c, c.name.matches('^[a-z0-9-]+$'))",
    ],
    [
        "object.metadata.namespace != 'default'",
        "!object.metadata.name.startsWith('tmp-')",
        "object.spec.template.metadata.labels.all(k, k.size() <= 63)",
    ],
    [
        "object.spec.template.spec.containers.exists(c, has(c.readinessProbe))",
        "object.spec.template.spec.containers.all(c, !has(c.livenessProbe) || has(c.livenessProbe.httpGet) || has(c.livenessProbe.tcpSocket) || has(c.livenessProbe.exec) || has(c.livenessProbe.grpc))",
        "!has(object.spec.strategy) || object.spec.strategy.type in ['RollingUpdate', 'Recreate']",
    ],
    [
        "object.spec.template.spec.containers.map(c, c.image).all(i, i.startsWith('registry.') || i.contains('/'))",
        "size(object.spec.template.spec.containers.filter(c, c.image.endsWith(':latest'))) == 0",
        "!has(object.spec.template.spec.serviceAccountName) || object.spec.template.spec.serviceAccountName != 'default'",
    ],
];

/// Writes ten ValidatingAdmissionPolicies of three validations each, and a
/// Deny binding for each, matching Deployments, into `dir/policies.yaml`.
///
/// # Errors
///
/// Any I/O error while writing.
#[doc(hidden)]
pub fn write_admission_policies(dir: &Path) -> io::Result<()> {
    let mut text = String::new();
    for (i, validations) in ADMISSION_VALIDATIONS.iter().enumerate() {
        text.push_str(&format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: bench-{i}\nspec:\n  matchConstraints:\n    resourceRules:\n      - apiGroups: [apps]\n        apiVersions: [v1]\n        operations: [CREATE, UPDATE]\n        resources: [deployments]\n  validations:\n"
        ));
        for v in validations {
            text.push_str(&format!(
                "    - expression: {}\n",
                serde_json::Value::from(*v)
            ));
        }
        text.push_str(&format!(
            "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: bench-{i}\nspec:\n  policyName: bench-{i}\n  validationActions: [Deny]\n---\n"
        ));
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("policies.yaml"), text)
}
