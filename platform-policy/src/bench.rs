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
