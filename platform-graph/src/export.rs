//! Exports: Graphviz DOT (kinds styled, clustered by system), Mermaid, and
//! JSON nodes and edges.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

fn style(kind: EntityKind) -> (&'static str, &'static str) {
    match kind {
        EntityKind::Component => ("box", "#cfe2ff"),
        EntityKind::Api => ("hexagon", "#d1e7dd"),
        EntityKind::Resource => ("cylinder", "#fff3cd"),
        EntityKind::System => ("box3d", "#e2d9f3"),
        EntityKind::Domain => ("tab", "#f8d7da"),
        EntityKind::Group => ("house", "#ffe5d0"),
        EntityKind::User => ("ellipse", "#e9ecef"),
        EntityKind::Location => ("note", "#f8f9fa"),
        EntityKind::Template => ("component", "#d2f4ea"),
        _ => ("ellipse", "#ffffff"),
    }
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl CatalogGraph {
    /// The system a node is drawn in: itself for a system, else the system
    /// it is part of.
    fn system_of(&self, id: NodeId) -> Option<NodeId> {
        if self.node(id).kind == EntityKind::System {
            return Some(id);
        }
        self.whole_of(id)
            .into_iter()
            .find(|&w| self.node(w).kind == EntityKind::System)
    }

    /// Graphviz DOT: one node per entity, shaped and coloured by kind
    /// (placeholders dashed red), clustered by system, edges labelled with
    /// their relation. Render it with `dot -Tsvg`.
    #[must_use]
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph catalog {\n  rankdir=LR;\n  fontname=\"Helvetica\";\n  node [style=filled, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8, color=\"#6c757d\"];\n",
        );
        let mut clusters: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
        let mut loose: Vec<NodeId> = Vec::new();
        let mut nodes: Vec<NodeId> = self.nodes().map(|(id, _)| id).collect();
        nodes.sort_by(|a, b| self.entity_ref(*a).cmp(self.entity_ref(*b)));
        for &id in &nodes {
            match self.system_of(id) {
                Some(system) => clusters
                    .entry(self.entity_ref(system).to_string())
                    .or_default()
                    .push(id),
                None => loose.push(id),
            }
        }
        let node_line = |out: &mut String, id: NodeId, indent: &str| {
            let node = self.node(id);
            let (shape, colour) = style(node.kind);
            let label = format!("{}\n{}", node.entity_ref.name(), node.kind);
            let extra = if node.is_placeholder() {
                ", style=\"dashed\", color=\"#dc3545\", fontcolor=\"#dc3545\", fillcolor=\"#ffffff\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{indent}{} [label={}, shape={shape}, fillcolor=\"{colour}\"{extra}];",
                quote(node.entity_ref.as_key()),
                quote(&label)
            );
        };
        for (i, (system, members)) in clusters.iter().enumerate() {
            let _ = writeln!(
                out,
                "  subgraph cluster_{i} {{\n    label={};\n    style=\"rounded,dashed\";\n    color=\"#6f42c1\";",
                quote(system)
            );
            for &id in members {
                node_line(&mut out, id, "    ");
            }
            out.push_str("  }\n");
        }
        for &id in &loose {
            node_line(&mut out, id, "  ");
        }
        let mut edges: Vec<_> = self.edges().collect();
        edges.sort_by(|a, b| {
            self.entity_ref(a.0)
                .cmp(self.entity_ref(b.0))
                .then_with(|| a.1.cmp(&b.1))
                .then_with(|| self.entity_ref(a.2).cmp(self.entity_ref(b.2)))
        });
        for (from, relation, to) in edges {
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                quote(self.entity_ref(from).as_key()),
                quote(self.entity_ref(to).as_key()),
                quote(relation.as_str())
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid `flowchart` of the graph, systems as subgraphs.
    #[must_use]
    pub fn to_mermaid(&self) -> String {
        let mut nodes: Vec<NodeId> = self.nodes().map(|(id, _)| id).collect();
        nodes.sort_by(|a, b| self.entity_ref(*a).cmp(self.entity_ref(*b)));
        let id_of = |id: NodeId| format!("n{}", id.index());
        let shape = |id: NodeId| {
            let node = self.node(id);
            let label = format!("{}<br/><i>{}</i>", node.entity_ref.name(), node.kind)
                .replace('"', "#quot;");
            match node.kind {
                EntityKind::Api => format!("{}{{{{\"{label}\"}}}}", id_of(id)),
                EntityKind::Resource => format!("{}[(\"{label}\")]", id_of(id)),
                EntityKind::Group | EntityKind::User => format!("{}([\"{label}\"])", id_of(id)),
                _ => format!("{}[\"{label}\"]", id_of(id)),
            }
        };
        let mut out = String::from("flowchart LR\n");
        let mut clusters: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
        let mut loose = Vec::new();
        for &id in &nodes {
            match self.system_of(id) {
                Some(system) => clusters.entry(system).or_default().push(id),
                None => loose.push(id),
            }
        }
        for (system, members) in &clusters {
            let _ = writeln!(
                out,
                "  subgraph s{}[\"{}\"]",
                system.index(),
                self.entity_ref(*system).name()
            );
            for &id in members {
                let _ = writeln!(out, "    {}", shape(id));
            }
            out.push_str("  end\n");
        }
        for &id in &loose {
            let _ = writeln!(out, "  {}", shape(id));
        }
        for (from, relation, to) in self.edges() {
            let _ = writeln!(
                out,
                "  {} -->|{}| {}",
                id_of(from),
                relation.as_str(),
                id_of(to)
            );
        }
        for (id, node) in self.nodes() {
            if node.is_placeholder() {
                let _ = writeln!(
                    out,
                    "  style {} stroke:#dc3545,stroke-dasharray: 5 5",
                    id_of(id)
                );
            }
        }
        out
    }

    /// The graph as JSON: `{"nodes": [{"id", "kind", "placeholder"}], "edges": [{"source", "type", "target"}]}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct JsonNode<'a> {
            id: &'a str,
            kind: EntityKind,
            placeholder: bool,
        }
        #[derive(Serialize)]
        struct JsonEdge<'a> {
            source: &'a str,
            #[serde(rename = "type")]
            relation: &'static str,
            target: &'a str,
        }
        let mut nodes: Vec<JsonNode<'_>> = self
            .nodes()
            .map(|(_, n)| JsonNode {
                id: n.entity_ref.as_key(),
                kind: n.kind,
                placeholder: n.is_placeholder(),
            })
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(b.id));
        let mut edges: Vec<JsonEdge<'_>> = self
            .edges()
            .map(|(s, r, t)| JsonEdge {
                source: self.entity_ref(s).as_key(),
                relation: r.as_str(),
                target: self.entity_ref(t).as_key(),
            })
            .collect();
        edges.sort_by(|a, b| {
            (a.source, a.relation, a.target).cmp(&(b.source, b.relation, b.target))
        });
        serde_json::json!({"nodes": nodes, "edges": edges})
    }
}
