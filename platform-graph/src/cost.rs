//! Cost attribution: amounts per entity or Kubernetes id (CSV, JSON, or
//! OpenCost allocation JSON), shared resources split among the entities that
//! depend on them, and roll-ups to owning groups (through the group tree),
//! systems and domains. Amounts that match nothing are reported as
//! unallocated, never dropped, so the totals always reconcile.
//!
//! ```
//! use platform_graph::cost::{CostOptions, parse_costs};
//! # let graph = platform_graph::testing::acme_graph();
//! let costs = parse_costs("costs.csv", "entity,amount\nresource:payments-postgres,300\npayment-service,100\nghost,7\n")?;
//! let report = graph.attribute_costs(&costs, &CostOptions::default());
//! assert_eq!(report.total, 407.0);
//! assert_eq!(report.unallocated_total, 7.0);
//! let team = report.groups.iter().find(|g| g.entity == "group:default/payments-team").unwrap();
//! assert_eq!(team.total, 400.0);
//! # Ok::<(), platform_graph::Error>(())
//! ```

use std::collections::BTreeMap;

use petgraph::Direction;
use platform_model::relations::RelationType;
use platform_model::{EntityRef, Span};
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

/// The annotation that names an entity's Kubernetes objects.
pub const KUBERNETES_ID: &str = "backstage.io/kubernetes-id";

/// What a cost line is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "kebab-case")]
pub enum CostKey {
    /// An entity reference, or a bare name.
    Entity(String),
    /// A `backstage.io/kubernetes-id` value.
    KubernetesId(String),
    /// A Kubernetes namespace (OpenCost allocations by namespace).
    Namespace(String),
}

/// One amount read from a cost file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostItem {
    /// What it is about.
    pub key: CostKey,
    /// The amount (any currency, consistently).
    pub amount: f64,
    /// Where it was read (`file:line`).
    pub source: String,
}

fn bad(file: &str, line: usize, column: usize, message: impl Into<String>) -> Error {
    let saturate = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Error::CostInput {
        span: Span::new(file.into(), saturate(line), saturate(column), 0, 0),
        message: message.into(),
    }
}

/// Reads costs from CSV (`key,amount` lines, an optional header, `#`
/// comments), JSON (`{"<ref or id>": amount}`, `[{"entity", "amount"}]`,
/// `{"costs": [...]}`) or an OpenCost allocation response
/// (`{"data": [{"<name>": {"name", "properties": {"namespace", "labels"}, "totalCost"}}]}`).
///
/// # Errors
///
/// [`Error::CostInput`] with the line and column of the first problem.
pub fn parse_costs(file: &str, text: &str) -> Result<Vec<CostItem>, Error> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(file, text)
    } else {
        parse_csv(file, text)
    }
}

fn parse_csv(file: &str, text: &str) -> Result<Vec<CostItem>, Error> {
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let Some((key, amount)) = content.rsplit_once(',') else {
            return Err(bad(file, number, 1, "expected `key,amount`"));
        };
        let key = key.trim().trim_matches('"');
        let amount_text = amount.trim().trim_matches('"');
        let amount = match amount_text.parse::<f64>() {
            Ok(a) if a.is_finite() => a,
            _ if items.is_empty() && i == first_content_line(text) => continue, // a header
            _ => {
                // The column of the amount, in characters.
                let column = line
                    .rfind(',')
                    .map_or(1, |c| line[..=c].chars().count() + 1);
                return Err(bad(
                    file,
                    number,
                    column,
                    format!("`{amount_text}` is not a number"),
                ));
            }
        };
        items.push(CostItem {
            key: key_of(key),
            amount,
            source: format!("{file}:{number}"),
        });
    }
    Ok(items)
}

/// The 1-based character column of 1-based byte column `byte_column` on
/// line `line` (serde_json counts bytes; a message names characters).
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(content) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_column.max(1);
    };
    let mut end = byte_column.saturating_sub(1).min(content.len());
    while !content.is_char_boundary(end) {
        end -= 1;
    }
    content[..end].chars().count() + 1
}

fn first_content_line(text: &str) -> usize {
    text.lines()
        .position(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
        .unwrap_or(0)
}

/// A key is an entity reference when it has a kind, a Kubernetes id otherwise
/// (bare names are tried as ids first, then as entity names).
fn key_of(text: &str) -> CostKey {
    if let Some(id) = text.strip_prefix("kubernetes-id:") {
        return CostKey::KubernetesId(id.to_owned());
    }
    if let Some(ns) = text.strip_prefix("namespace:") {
        return CostKey::Namespace(ns.to_owned());
    }
    CostKey::Entity(text.to_owned())
}

fn parse_json(file: &str, text: &str) -> Result<Vec<CostItem>, Error> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let column = char_column(text, e.line(), e.column());
        bad(file, e.line(), column, e.to_string())
    })?;
    let amount = |v: &Value, what: &str| -> Result<f64, Error> {
        v.as_f64().filter(|a| a.is_finite()).ok_or_else(|| {
            bad(
                file,
                1,
                1,
                format!("the amount of `{what}` is not a number"),
            )
        })
    };
    let mut items = Vec::new();
    let source = |i: usize| format!("{file}#{i}");
    if let Some(data) = value.get("data").and_then(Value::as_array) {
        // OpenCost: each element maps allocation names to allocations.
        for (i, set) in data.iter().enumerate() {
            let Some(set) = set.as_object() else { continue };
            for (name, allocation) in set {
                let total = allocation.get("totalCost").unwrap_or(&Value::Null);
                let properties = allocation.get("properties");
                let labels = properties.and_then(|p| p.get("labels"));
                let label = labels.and_then(|l| {
                    l.get(KUBERNETES_ID)
                        .or_else(|| l.get("backstage_io_kubernetes_id"))
                        .and_then(Value::as_str)
                });
                let namespace = properties
                    .and_then(|p| p.get("namespace"))
                    .and_then(Value::as_str);
                let key = match (label, namespace) {
                    (Some(id), _) => CostKey::KubernetesId(id.to_owned()),
                    (None, Some(ns)) => CostKey::Namespace(ns.to_owned()),
                    (None, None) if name.starts_with("__") => CostKey::Entity(name.clone()),
                    (None, None) => CostKey::Namespace(name.clone()),
                };
                items.push(CostItem {
                    key,
                    amount: amount(total, name)?,
                    source: source(i),
                });
            }
        }
        return Ok(items);
    }
    let list = value.get("costs").unwrap_or(&value);
    match list {
        Value::Object(map) => {
            for (i, (key, v)) in map.iter().enumerate() {
                items.push(CostItem {
                    key: key_of(key),
                    amount: amount(v, key)?,
                    source: source(i),
                });
            }
        }
        Value::Array(entries) => {
            for (i, entry) in entries.iter().enumerate() {
                let key = entry
                    .get("entity")
                    .or_else(|| entry.get("kubernetesId"))
                    .or_else(|| entry.get("id"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(file, 1, 1, format!("entry {i} has no `entity`")))?;
                let key = if entry.get("kubernetesId").is_some() {
                    CostKey::KubernetesId(key.to_owned())
                } else {
                    key_of(key)
                };
                items.push(CostItem {
                    key,
                    amount: amount(
                        entry.get("amount").unwrap_or(&Value::Null),
                        &format!("entry {i}"),
                    )?,
                    source: source(i),
                });
            }
        }
        _ => return Err(bad(file, 1, 1, "expected an object or an array of costs")),
    }
    Ok(items)
}

/// How a shared resource's cost is split among the entities depending on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitRule {
    /// In equal parts.
    #[default]
    Even,
    /// In proportion to each dependent's own cost (equal parts when none has one).
    Weighted,
}

/// Options of [`CatalogGraph::attribute_costs`].
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct CostOptions {
    split: SplitRule,
}

impl CostOptions {
    /// How shared resources are split.
    pub fn with_split(mut self, split: SplitRule) -> Self {
        self.split = split;
        self
    }

    /// How shared resources are split.
    #[deprecated(since = "0.1.0", note = "use `with_split`")]
    pub fn split(self, split: SplitRule) -> Self {
        self.with_split(split)
    }
}

/// Cost of one entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityCost {
    /// The entity.
    pub entity: String,
    /// Amounts read for it.
    pub direct: f64,
    /// Its share of resources it depends on.
    pub shared_in: f64,
    /// What it passed on to its dependents (a shared resource).
    pub shared_out: f64,
    /// `direct + shared_in - shared_out`.
    pub total: f64,
}

/// Cost rolled up to a group, system or domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RollUp {
    /// The group, system or domain.
    pub entity: String,
    /// Of entities it owns or holds directly.
    pub own: f64,
    /// Including its sub-groups, subdomains or parts of parts.
    pub total: f64,
}

/// An amount no entity took.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unallocated {
    /// What the line was about.
    pub key: CostKey,
    /// The amount.
    pub amount: f64,
    /// Where it was read.
    pub source: String,
    /// Why it was not allocated.
    pub reason: String,
}

/// The result of cost attribution. `total = Σ entities.total + unallocated_total`,
/// and `Σ top-level groups' totals + unowned_total = total - unallocated_total`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CostReport {
    /// Every amount read.
    pub total: f64,
    /// Amounts no entity took.
    pub unallocated_total: f64,
    /// Entity totals whose entity has no owner in the catalog.
    pub unowned_total: f64,
    /// The split rule used.
    pub split: SplitRule,
    /// Entities with a cost, by reference.
    pub entities: Vec<EntityCost>,
    /// Owners (groups and users) with a cost, by reference.
    pub groups: Vec<RollUp>,
    /// Systems with a cost.
    pub systems: Vec<RollUp>,
    /// Domains with a cost.
    pub domains: Vec<RollUp>,
    /// What was not allocated.
    pub unallocated: Vec<Unallocated>,
}

impl CatalogGraph {
    fn kubernetes_ids(&self) -> FxHashMap<String, Vec<NodeId>> {
        let mut ids: FxHashMap<String, Vec<NodeId>> = FxHashMap::default();
        for (id, _) in self.nodes() {
            if let Some(value) = self
                .entity(id)
                .and_then(|e| e.metadata.annotation(KUBERNETES_ID))
            {
                ids.entry(value.to_owned()).or_default().push(id);
            }
        }
        ids
    }

    fn cost_target(
        &self,
        key: &CostKey,
        ids: &FxHashMap<String, Vec<NodeId>>,
    ) -> Result<NodeId, String> {
        let by_id = |id: &str| -> Result<NodeId, String> {
            match ids.get(id).map(Vec::as_slice) {
                Some([one]) => Ok(*one),
                Some(many) if !many.is_empty() => Err(format!(
                    "{} entities share the kubernetes id `{id}`",
                    many.len()
                )),
                _ => Err(format!("no entity has the kubernetes id `{id}`")),
            }
        };
        match key {
            CostKey::KubernetesId(id) | CostKey::Namespace(id) => by_id(id),
            CostKey::Entity(text) => {
                if let Ok(reference) = EntityRef::parse(text) {
                    return self
                        .find(&reference)
                        .filter(|&n| !self.node(n).is_placeholder())
                        .ok_or_else(|| format!("no entity {reference} in the catalog"));
                }
                by_id(text).or_else(|_| self.resolve(text).map_err(|e| e.to_string()))
            }
        }
    }

    /// Attributes costs to entities, splits shared resources and rolls the
    /// result up to owners, systems and domains.
    #[must_use]
    pub fn attribute_costs(&self, items: &[CostItem], options: &CostOptions) -> CostReport {
        let ids = self.kubernetes_ids();
        let mut report = CostReport {
            split: options.split,
            ..CostReport::default()
        };
        let mut direct: BTreeMap<NodeId, f64> = BTreeMap::new();
        for item in items {
            report.total += item.amount;
            match self.cost_target(&item.key, &ids) {
                Ok(node) => *direct.entry(node).or_default() += item.amount,
                Err(reason) => {
                    report.unallocated_total += item.amount;
                    report.unallocated.push(Unallocated {
                        key: item.key.clone(),
                        amount: item.amount,
                        source: item.source.clone(),
                        reason,
                    });
                }
            }
        }
        // Split resources among their dependents.
        let mut shared_in: BTreeMap<NodeId, f64> = BTreeMap::new();
        let mut shared_out: BTreeMap<NodeId, f64> = BTreeMap::new();
        for (&node, &amount) in &direct {
            if self.node(node).kind != EntityKind::Resource || amount == 0.0 {
                continue;
            }
            let mut dependents: Vec<NodeId> = self
                .neighbours(node.0, RelationType::DependsOn, Direction::Incoming)
                .map(NodeId)
                .filter(|&d| !self.node(d).is_placeholder())
                .collect();
            dependents.sort();
            dependents.dedup();
            if dependents.is_empty() {
                continue;
            }
            let weights: Vec<f64> = match options.split {
                SplitRule::Even => vec![1.0; dependents.len()],
                SplitRule::Weighted => {
                    let w: Vec<f64> = dependents
                        .iter()
                        .map(|d| direct.get(d).copied().unwrap_or(0.0).max(0.0))
                        .collect();
                    if w.iter().sum::<f64>() > 0.0 {
                        w
                    } else {
                        vec![1.0; dependents.len()]
                    }
                }
            };
            let sum: f64 = weights.iter().sum();
            let mut given = 0.0;
            for (i, (&d, w)) in dependents.iter().zip(&weights).enumerate() {
                // The last share takes the rounding remainder, so sums stay exact.
                let share = if i + 1 == dependents.len() {
                    amount - given
                } else {
                    amount * w / sum
                };
                given += share;
                *shared_in.entry(d).or_default() += share;
            }
            *shared_out.entry(node).or_default() += amount;
        }
        let mut totals: BTreeMap<NodeId, f64> = BTreeMap::new();
        for node in direct
            .keys()
            .chain(shared_in.keys())
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
        {
            let d = direct.get(&node).copied().unwrap_or(0.0);
            let i = shared_in.get(&node).copied().unwrap_or(0.0);
            let o = shared_out.get(&node).copied().unwrap_or(0.0);
            totals.insert(node, d + i - o);
            report.entities.push(EntityCost {
                entity: self.entity_ref(node).to_string(),
                direct: d,
                shared_in: i,
                shared_out: o,
                total: d + i - o,
            });
        }
        report.entities.sort_by(|a, b| a.entity.cmp(&b.entity));
        report.groups = self.roll_up_owners(&totals, &mut report.unowned_total);
        report.systems = self.roll_up_parts(&totals, EntityKind::System);
        report.domains = self.roll_up_parts(&totals, EntityKind::Domain);
        report
    }

    fn roll_up_owners(&self, totals: &BTreeMap<NodeId, f64>, unowned: &mut f64) -> Vec<RollUp> {
        let mut own: BTreeMap<NodeId, f64> = BTreeMap::new();
        for (&node, &amount) in totals {
            match self.owner(node) {
                Some(owner) if !self.node(owner).is_placeholder() => {
                    *own.entry(owner).or_default() += amount
                }
                _ => *unowned += amount,
            }
        }
        let total = self.add_up_ancestor_groups(&own);
        let mut out: Vec<RollUp> = total
            .iter()
            .map(|(&g, &t)| RollUp {
                entity: self.entity_ref(g).to_string(),
                own: own.get(&g).copied().unwrap_or(0.0),
                total: t,
            })
            .collect();
        out.sort_by(|a, b| a.entity.cmp(&b.entity));
        out
    }

    /// Each group's total: what it and every group below it own, each
    /// amount added to the owner and to every ancestor group once (the
    /// first `parent` of each group is followed; a cycle shares its total).
    ///
    /// Parent chains form a functional graph, so the totals add up children
    /// before parents (Kahn's order) and then once per cycle: linear in the
    /// groups reached, however deep they nest (walking every owner's chain
    /// is quadratic on a deep chain of groups that each own something).
    fn add_up_ancestor_groups(&self, own: &BTreeMap<NodeId, f64>) -> BTreeMap<NodeId, f64> {
        let bound = self.bound();
        let parent = |g: NodeId| self.related(g, RelationType::ChildOf).next();
        // The groups reached from the owners, each once.
        let mut reached = vec![false; bound];
        let mut groups: Vec<NodeId> = Vec::new();
        for &owner in own.keys() {
            let mut current = Some(owner);
            while let Some(g) = current {
                if std::mem::replace(&mut reached[g.index()], true) {
                    break;
                }
                groups.push(g);
                current = parent(g);
            }
        }
        let mut children = vec![0u32; bound];
        let mut acc = vec![0.0f64; bound];
        for &g in &groups {
            if let Some(p) = parent(g) {
                children[p.index()] += 1;
            }
            acc[g.index()] = own.get(&g).copied().unwrap_or(0.0);
        }
        let mut total: BTreeMap<NodeId, f64> = BTreeMap::new();
        let mut ready: Vec<NodeId> = groups
            .iter()
            .copied()
            .filter(|g| children[g.index()] == 0)
            .collect();
        while let Some(g) = ready.pop() {
            total.insert(g, acc[g.index()]);
            if let Some(p) = parent(g) {
                acc[p.index()] += acc[g.index()];
                children[p.index()] -= 1;
                if children[p.index()] == 0 {
                    ready.push(p);
                }
            }
        }
        // What is left lies on cycles: every member gets the whole cycle's sum.
        for &g in &groups {
            if total.contains_key(&g) {
                continue;
            }
            let mut members = vec![g];
            let mut sum = acc[g.index()];
            let mut current = parent(g);
            while let Some(m) = current.filter(|&m| m != g) {
                members.push(m);
                sum += acc[m.index()];
                current = parent(m);
            }
            for m in members {
                total.insert(m, sum);
            }
        }
        total
    }

    fn roll_up_parts(&self, totals: &BTreeMap<NodeId, f64>, kind: EntityKind) -> Vec<RollUp> {
        let mut out = Vec::new();
        // One visited table for every walk, reset by stamping: a walk costs
        // the parts it reaches, not the size of the graph.
        let mut stamp = vec![0u32; self.bound()];
        let mut queue: std::collections::VecDeque<(NodeId, u32)> =
            std::collections::VecDeque::new();
        let mut round = 0u32;
        let mut parts: Vec<petgraph::stable_graph::NodeIndex<u32>> = Vec::new();
        for (id, node) in self.nodes() {
            if node.kind != kind || node.is_placeholder() {
                continue;
            }
            round += 1;
            stamp[id.index()] = round;
            queue.clear();
            queue.push_back((id, 0));
            let (mut own, mut total) = (0.0, 0.0);
            // Each entity once, however deep: parts of parts, subdomains' systems.
            while let Some((current, depth)) = queue.pop_front() {
                // In index order, as `parts` walks, so sums add up alike.
                parts.clear();
                parts.extend(self.neighbours(current.0, RelationType::PartOf, Direction::Incoming));
                parts.sort_unstable();
                for &part in &parts {
                    if stamp[part.index()] == round {
                        continue;
                    }
                    stamp[part.index()] = round;
                    let amount = totals.get(&NodeId(part)).copied().unwrap_or(0.0);
                    total += amount;
                    if depth == 0 {
                        own += amount;
                    }
                    queue.push_back((NodeId(part), depth + 1));
                }
            }
            if total != 0.0 || own != 0.0 {
                out.push(RollUp {
                    entity: node.entity_ref.to_string(),
                    own,
                    total,
                });
            }
        }
        out.sort_by(|a, b| a.entity.cmp(&b.entity));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzz finding (fuzz/regressions/costs): columns counted bytes, so a
    /// line with non-ASCII text pointed past its end.
    #[test]
    fn error_columns_count_characters() {
        let err = parse_costs("c.csv", "key,amount\nzürich-café,x\n").unwrap_err();
        match err {
            Error::CostInput { span, .. } => assert_eq!((span.line, span.column), (2, 13)),
            other => panic!("{other}"),
        }
        let err = parse_costs("c.json", "{\"é\": 1,\n \"ü\": nope}").unwrap_err();
        match err {
            Error::CostInput { span, .. } => {
                assert_eq!(span.line, 2);
                assert!(span.column <= 11, "{span}");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn csv_with_header_comments_and_errors() {
        let items =
            parse_costs("c.csv", "# monthly\nentity,amount\ncomponent:a,1.5\nb, 2\n").expect("csv");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].amount, 2.0);
        let err = parse_costs("c.csv", "a,1\nb,lots\n").expect_err("bad amount");
        assert_eq!(err.to_string(), "c.csv:2:3: `lots` is not a number");
    }

    #[test]
    fn json_forms() {
        let map =
            parse_costs("c.json", r#"{"component:a": 3, "kubernetes-id:web": 4}"#).expect("map");
        assert_eq!(map[1].key, CostKey::KubernetesId("web".into()));
        let list =
            parse_costs("c.json", r#"{"costs": [{"entity": "a", "amount": 1}]}"#).expect("list");
        assert_eq!(list[0].amount, 1.0);
        let err = parse_costs("c.json", "{\n  \"a\": }").expect_err("syntax");
        assert!(
            matches!(&err, Error::CostInput { span, .. } if span.line == 2),
            "{err:?}"
        );
    }

    #[test]
    fn opencost_allocations() {
        let text = r#"{"code": 200, "data": [{
            "payments": {"name": "payments", "properties": {"namespace": "payments"}, "totalCost": 10.5},
            "web-abc": {"name": "web-abc", "properties": {"namespace": "shop", "labels": {"backstage_io_kubernetes_id": "web"}}, "totalCost": 2},
            "__idle__": {"name": "__idle__", "totalCost": 1}
        }]}"#;
        let items = parse_costs("opencost.json", text).expect("opencost");
        assert_eq!(items[0].key, CostKey::Namespace("payments".into()));
        assert_eq!(items[1].key, CostKey::KubernetesId("web".into()));
        assert_eq!(items[2].key, CostKey::Entity("__idle__".into()));
    }
}
