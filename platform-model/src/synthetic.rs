//! A synthetic organisation of any size, for benchmarks, demos and tests:
//! a group tree with users, domains, systems, components, APIs and resources
//! wired together the way real catalogs are. Output is deterministic for a
//! given seed.
//!
//! ```
//! use platform_model::synthetic::SyntheticOrg;
//!
//! let org = SyntheticOrg::new(500).with_seed(7).generate();
//! assert_eq!(org.len(), 500);
//! let validator = platform_model::validate::Validator::new();
//! assert!(org.iter().all(|e| validator.validate(e.to_value().unwrap()).is_valid()));
//! ```

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::entity::Entity;

/// How to generate an organisation.
#[derive(Clone, Debug)]
#[must_use]
pub struct SyntheticOrg {
    entities: usize,
    seed: u64,
    max_documents_per_file: usize,
}

/// Deterministic xorshift generator (no dependency, same output everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }
}

const LIFECYCLES: [&str; 3] = ["production", "experimental", "deprecated"];
const COMPONENT_TYPES: [&str; 3] = ["service", "website", "library"];
const API_TYPES: [&str; 4] = ["openapi", "asyncapi", "graphql", "grpc"];
const RESOURCE_TYPES: [&str; 4] = ["database", "cache", "queue", "s3-bucket"];

impl SyntheticOrg {
    /// An organisation of about `entities` entities (exactly that many when
    /// `entities >= 12`).
    pub fn new(entities: usize) -> Self {
        Self {
            entities,
            seed: 0x5eed_0fac,
            max_documents_per_file: 20,
        }
    }

    /// Sets the random seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed.max(1);
        self
    }

    /// Deprecated name of [`with_seed`](Self::with_seed).
    #[deprecated(since = "0.1.1", note = "use `with_seed`")]
    pub fn seed(self, seed: u64) -> Self {
        self.with_seed(seed)
    }

    /// Sets the largest number of documents per written file (default 20).
    pub fn with_max_documents_per_file(mut self, n: usize) -> Self {
        self.max_documents_per_file = n.max(1);
        self
    }

    /// Deprecated name of [`with_max_documents_per_file`](Self::with_max_documents_per_file).
    #[deprecated(since = "0.1.1", note = "use `with_max_documents_per_file`")]
    pub fn max_documents_per_file(self, n: usize) -> Self {
        self.with_max_documents_per_file(n)
    }

    /// Generates the entities: groups first, then users, domains, systems,
    /// resources, APIs and components.
    #[must_use]
    pub fn generate(&self) -> Vec<Entity> {
        self.values()
            .into_iter()
            .filter_map(|v| Entity::from_value(v).ok())
            .collect()
    }

    /// The entities as JSON values.
    #[must_use]
    pub fn values(&self) -> Vec<Value> {
        let n = self.entities.max(12);
        let mut rng = Rng(self.seed);
        let teams = (n / 40).max(2);
        let departments = (teams / 8).max(1);
        let domains = (n / 100).max(1);
        let systems = (n / 25).max(1);
        let users = n / 4;
        let fixed = 1 + departments + teams + domains + systems + users;
        let rest = n.saturating_sub(fixed);
        let resources = (rest / 5).max(1);
        let apis = (rest / 4).max(1);
        let components = rest.saturating_sub(resources + apis).max(1);
        let team = |i: usize| format!("team-{i:04}");
        let mut out = Vec::with_capacity(n);

        let department_names: Vec<String> =
            (0..departments).map(|i| format!("dept-{i:03}")).collect();
        out.push(entity(
            "Group",
            "acme",
            json!({"type": "organization", "children": department_names}),
        ));
        for (d, name) in department_names.iter().enumerate() {
            let children: Vec<String> = (0..teams)
                .filter(|t| t % departments == d)
                .map(team)
                .collect();
            out.push(entity(
                "Group",
                name,
                json!({"type": "department", "parent": "acme", "children": children}),
            ));
        }
        let mut members: Vec<Vec<String>> = vec![Vec::new(); teams];
        let user_names: Vec<String> = (0..users).map(|i| format!("user-{i:05}")).collect();
        for (i, _) in user_names.iter().enumerate() {
            members[i % teams].push(user_names[i].clone());
        }
        for (t, team_members) in members.iter().enumerate() {
            out.push(entity(
                "Group",
                &team(t),
                json!({
                    "type": "team",
                    "parent": department_names[t % departments],
                    "children": [],
                    "members": team_members,
                    "profile": {"displayName": format!("Team {t}"), "email": format!("team-{t}@acme.example")}
                }),
            ));
        }
        for (i, name) in user_names.iter().enumerate() {
            out.push(entity(
                "User",
                name,
                json!({"memberOf": [team(i % teams)], "profile": {"displayName": format!("User {i}"), "email": format!("{name}@acme.example")}}),
            ));
        }
        for d in 0..domains {
            let mut spec = json!({"owner": team(d % teams)});
            if d > 0 && d % 5 == 0 {
                spec["subdomainOf"] = json!(format!("domain-{:03}", d - 1));
            }
            out.push(entity("Domain", &format!("domain-{d:03}"), spec));
        }
        for s in 0..systems {
            out.push(entity(
                "System",
                &format!("system-{s:04}"),
                json!({"owner": team(s % teams), "domain": format!("domain-{:03}", s % domains)}),
            ));
        }
        // Resource 0 is shared widely: every tenth component depends on it.
        for r in 0..resources {
            let owner = if r == 0 {
                team(0)
            } else {
                team(rng.below(teams))
            };
            out.push(entity(
                "Resource",
                &format!("resource-{r:05}"),
                json!({
                    "type": RESOURCE_TYPES[r % RESOURCE_TYPES.len()],
                    "owner": owner,
                    "system": format!("system-{:04}", r % systems)
                }),
            ));
        }
        for a in 0..apis {
            out.push(entity(
                "API",
                &format!("api-{a:05}"),
                json!({
                    "type": API_TYPES[a % API_TYPES.len()],
                    "lifecycle": LIFECYCLES[a % LIFECYCLES.len()],
                    "owner": team(a % teams),
                    "system": format!("system-{:04}", a % systems),
                    "definition": format!("openapi: 3.0.0\ninfo: {{title: api-{a}, version: 1.0.0}}\npaths: {{}}\n")
                }),
            ));
        }
        for c in 0..components {
            let system = c % systems;
            let mut depends: Vec<String> = Vec::new();
            if c % 10 == 0 {
                depends.push("resource:resource-00000".to_owned());
            }
            depends.push(format!("resource:resource-{:05}", rng.below(resources)));
            if c > 0 && rng.below(3) == 0 {
                depends.push(format!("component:component-{:05}", rng.below(c)));
            }
            depends.sort();
            depends.dedup();
            let provides = vec![format!("api-{:05}", c % apis)];
            let consumes: Vec<String> = (0..rng.below(3))
                .map(|_| format!("api-{:05}", rng.below(apis)))
                .collect();
            let mut annotations = serde_json::Map::new();
            annotations.insert(
                "backstage.io/kubernetes-id".into(),
                json!(format!("component-{c:05}")),
            );
            annotations.insert(
                "github.com/project-slug".into(),
                json!(format!("acme-corp/component-{c:05}")),
            );
            let mut value = entity(
                "Component",
                &format!("component-{c:05}"),
                json!({
                    "type": COMPONENT_TYPES[c % COMPONENT_TYPES.len()],
                    "lifecycle": LIFECYCLES[c % LIFECYCLES.len()],
                    "owner": team((system + c) % teams),
                    "system": format!("system-{system:04}"),
                    "providesApis": provides,
                    "consumesApis": consumes,
                    "dependsOn": depends,
                }),
            );
            value["metadata"]["annotations"] = Value::Object(annotations);
            value["metadata"]["tags"] = json!(["generated", LIFECYCLES[c % LIFECYCLES.len()]]);
            value["metadata"]["description"] = json!(format!("Synthetic component number {c}"));
            out.push(value);
        }
        out.truncate(n.max(self.entities));
        out
    }

    /// Writes the organisation as YAML under `dir`: files of 1 to
    /// `max_documents_per_file` documents in `dir/entities/<kind>/`, and a
    /// root Location `dir/catalog-info.yaml` whose glob target reads them all.
    /// Returns the number of files written (the Location included).
    ///
    /// # Errors
    ///
    /// Any I/O error while creating directories or writing files.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<usize> {
        let values = self.values();
        let mut rng = Rng(self.seed ^ 0x9e37_79b9_7f4a_7c15);
        let mut files = 0;
        let mut i = 0;
        while i < values.len() {
            let count = 1 + rng.below(self.max_documents_per_file);
            let chunk = &values[i..(i + count).min(values.len())];
            let kind = chunk[0]["kind"]
                .as_str()
                .unwrap_or("entity")
                .to_ascii_lowercase();
            let folder = dir.join("entities").join(&kind);
            std::fs::create_dir_all(&folder)?;
            let mut text = String::new();
            for (d, value) in chunk.iter().enumerate() {
                if d > 0 {
                    text.push_str("---\n");
                }
                write_yaml(&mut text, value, 0);
            }
            std::fs::write(folder.join(format!("{kind}-{files:06}.yaml")), text)?;
            files += 1;
            i += count;
        }
        std::fs::write(
            dir.join("catalog-info.yaml"),
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: synthetic-org\nspec:\n  targets:\n    - ./entities/**/*.yaml\n",
        )?;
        Ok(files + 1)
    }
}

fn entity(kind: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": spec,
    })
}

/// A small block-style YAML writer for the generated values (strings are
/// always quoted, so no scalar is misread).
fn write_yaml(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = quote(k);
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        let _ = writeln!(out, "{pad}{key}:");
                        write_yaml(out, v, indent + 2);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        let _ = writeln!(out, "{pad}{key}:");
                        write_yaml(out, v, indent + 2);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{key}: {}", scalar(v));
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let mut nested = String::new();
                        write_yaml(&mut nested, item, indent + 2);
                        let trimmed = nested.trim_start();
                        let _ = write!(out, "{pad}- {trimmed}");
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}- {}", scalar(item));
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Validator;

    #[test]
    fn every_generated_entity_is_valid_and_references_resolve() {
        let org = SyntheticOrg::new(2_000).generate();
        assert_eq!(org.len(), 2_000);
        let validator = Validator::new();
        let refs: std::collections::HashSet<String> =
            org.iter().map(|e| e.entity_ref().to_key()).collect();
        for entity in &org {
            let v = validator.validate(entity.to_value().expect("json"));
            assert!(v.is_valid(), "{:?}", v.problems);
            for r in &v.relations {
                assert!(refs.contains(&r.target.to_key()), "dangling {}", r.target);
            }
        }
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(
            SyntheticOrg::new(300).values(),
            SyntheticOrg::new(300).values()
        );
        assert_ne!(
            SyntheticOrg::new(300).with_seed(2).values(),
            SyntheticOrg::new(300).values()
        );
    }

    #[test]
    fn written_files_load_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = SyntheticOrg::new(400).write_to(dir.path()).expect("write");
        assert!(files > 20);
        let catalog = crate::loader::Loader::new(crate::loader::LoadOptions::default())
            .expect("loader")
            .load(&dir.path().join("catalog-info.yaml"))
            .expect("load");
        assert!(
            catalog.is_valid(),
            "{:?}",
            catalog.diagnostics().take(3).collect::<Vec<_>>()
        );
        assert_eq!(catalog.summary().valid, 401);
    }
}
