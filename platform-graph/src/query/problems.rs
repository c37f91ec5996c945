//! What is wrong with the catalog as a whole: dangling references, orphans,
//! owners of the wrong kind, empty groups, unused APIs and cycles.

use petgraph::Direction;
use platform_model::relations::RelationType;
use platform_model::{Diagnostic, EntityRef, Pointer, Severity, Span};
use serde::Serialize;

use crate::codes;
use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

/// The kinds of problem, each with a stable diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A reference to an entity that does not exist (`graph.dangling-ref`).
    DanglingRef,
    /// An entity that needs an owner has none (`graph.no-owner`).
    NoOwner,
    /// The owner does not exist (`graph.missing-owner`).
    MissingOwner,
    /// The owner is neither a Group nor a User (`graph.owner-kind`).
    OwnerKind,
    /// A group with no members and no child groups (`graph.empty-group`).
    EmptyGroup,
    /// An API nobody provides or consumes (`graph.unused-api`).
    UnusedApi,
    /// An API that is consumed but that nothing provides (`graph.api-without-provider`).
    ApiWithoutProvider,
    /// A cycle (`graph.cycle`).
    Cycle,
}

impl ProblemKind {
    /// The stable diagnostic code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::DanglingRef => codes::DANGLING_REF,
            Self::NoOwner => codes::NO_OWNER,
            Self::MissingOwner => codes::MISSING_OWNER,
            Self::OwnerKind => codes::OWNER_KIND,
            Self::EmptyGroup => codes::EMPTY_GROUP,
            Self::UnusedApi => codes::UNUSED_API,
            Self::ApiWithoutProvider => codes::API_WITHOUT_PROVIDER,
            Self::Cycle => codes::CYCLE,
        }
    }

    /// How serious it is.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Self::DanglingRef | Self::MissingOwner | Self::Cycle => Severity::Error,
            Self::NoOwner | Self::OwnerKind | Self::ApiWithoutProvider => Severity::Warning,
            Self::EmptyGroup | Self::UnusedApi => Severity::Info,
        }
    }
}

/// One problem of the graph: the workspace's [`Diagnostic`] (code,
/// severity, message, the field's JSON pointer as `path`, and the span of
/// the reference as written or of the entity's document), with the kind
/// and the entity it is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GraphProblem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The entity it is about.
    pub entity: EntityRef,
    /// The finding itself.
    pub diagnostic: Diagnostic,
}

impl GraphProblem {
    fn new(
        kind: ProblemKind,
        entity: EntityRef,
        message: String,
        path: Option<String>,
        span: Option<Span>,
    ) -> Self {
        let mut diagnostic =
            Diagnostic::new(kind.code(), kind.severity(), message).with_span_opt(span);
        diagnostic.path = path.map(Pointer::from);
        Self {
            kind,
            entity,
            diagnostic,
        }
    }

    /// The problem as a workspace diagnostic.
    #[must_use]
    pub fn to_diagnostic(&self) -> Diagnostic {
        self.diagnostic.clone()
    }
}

impl From<GraphProblem> for Diagnostic {
    fn from(problem: GraphProblem) -> Self {
        problem.diagnostic
    }
}

/// Kinds that Backstage expects to have an owner.
fn needs_owner(kind: EntityKind) -> bool {
    matches!(
        kind,
        EntityKind::Component
            | EntityKind::Api
            | EntityKind::Resource
            | EntityKind::System
            | EntityKind::Domain
    )
}

impl CatalogGraph {
    /// Every problem, sorted by kind, then entity.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// assert!(graph.problems().iter().all(|p| p.kind != platform_graph::ProblemKind::DanglingRef));
    /// ```
    #[must_use]
    pub fn problems(&self) -> Vec<GraphProblem> {
        let mut out = Vec::new();
        for dangling in self.dangling() {
            let missing_owner = dangling.relation == RelationType::OwnedBy;
            let message = format!(
                "{} {} {}, which does not exist",
                dangling.source, dangling.relation, dangling.target
            );
            out.push(GraphProblem::new(
                if missing_owner {
                    ProblemKind::MissingOwner
                } else {
                    ProblemKind::DanglingRef
                },
                dangling.source,
                message,
                Some(dangling.pointer),
                dangling.span,
            ));
        }
        for (id, node) in self.nodes() {
            if node.is_placeholder() {
                continue;
            }
            let located = |kind: ProblemKind, message: String, pointer: Option<&str>| {
                GraphProblem::new(
                    kind,
                    node.entity_ref.clone(),
                    message,
                    pointer.map(str::to_owned),
                    node.location.clone(),
                )
            };
            let owners: Vec<NodeId> = self.related(id, RelationType::OwnedBy).collect();
            if owners.is_empty() && needs_owner(node.kind) {
                out.push(located(
                    ProblemKind::NoOwner,
                    format!("{} has no owner", node.entity_ref),
                    Some("/spec"),
                ));
            }
            for owner in owners {
                let owner_node = self.node(owner);
                if !owner_node.is_placeholder() && !owner_node.kind.can_own() {
                    out.push(located(
                        ProblemKind::OwnerKind,
                        format!(
                            "{} is owned by {}, a {}; owners are groups or users",
                            node.entity_ref, owner_node.entity_ref, owner_node.kind
                        ),
                        Some("/spec/owner"),
                    ));
                }
            }
            match node.kind {
                EntityKind::Group => {
                    let members = self
                        .neighbours(id.0, RelationType::MemberOf, Direction::Incoming)
                        .next();
                    let children = self
                        .neighbours(id.0, RelationType::ChildOf, Direction::Incoming)
                        .next();
                    if members.is_none() && children.is_none() {
                        out.push(located(
                            ProblemKind::EmptyGroup,
                            format!("{} has no members and no child groups", node.entity_ref),
                            None,
                        ));
                    }
                }
                EntityKind::Api => {
                    let provided = self
                        .neighbours(id.0, RelationType::ProvidesApi, Direction::Incoming)
                        .next();
                    let consumed = self
                        .neighbours(id.0, RelationType::ConsumesApi, Direction::Incoming)
                        .next();
                    match (provided, consumed) {
                        (None, None) => out.push(located(
                            ProblemKind::UnusedApi,
                            format!("no component provides or consumes {}", node.entity_ref),
                            None,
                        )),
                        (None, Some(_)) => out.push(located(
                            ProblemKind::ApiWithoutProvider,
                            format!(
                                "{} is consumed but no component provides it",
                                node.entity_ref
                            ),
                            None,
                        )),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        for cycle in self.cycles() {
            let names: Vec<String> = cycle
                .members
                .iter()
                .map(|&m| self.entity_ref(m).to_string())
                .collect();
            let first = cycle.members[0];
            out.push(GraphProblem::new(
                ProblemKind::Cycle,
                self.entity_ref(first).clone(),
                format!("{} cycle: {}", cycle.kind.as_str(), names.join(" -> ")),
                None,
                self.node(first).location.clone(),
            ));
        }
        out.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.entity.cmp(&b.entity)));
        out
    }
}
