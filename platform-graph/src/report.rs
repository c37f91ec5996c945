//! The answers to several questions of one graph in one report: what
//! `platform graph` prints, as a library call.
//!
//! [`Questions`] names what to ask (impact of some entities, what a group
//! owns, cycles, problems, costs); [`CatalogGraph::answer`] answers them
//! into a [`GraphReport`], which serializes to the documented JSON of
//! `platform graph --format json` and prints as its text.

use std::fmt::Write as _;

use platform_model::{Diagnostic, Severity};
use serde::Serialize;

use crate::cost::{CostItem, CostOptions, CostReport};
use crate::error::Error;
use crate::graph::CatalogGraph;
use crate::query::{CycleKind, OwnedBy, OwnedReport, PathReport, ReportOptions};

/// What to ask of a graph. Nothing is asked by default.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Questions {
    impact: Vec<String>,
    owned_by: Option<String>,
    cycles: bool,
    problems: bool,
    costs: Option<Vec<CostItem>>,
    cost_options: CostOptions,
    reports: ReportOptions,
}

impl Questions {
    /// No questions.
    pub fn new() -> Self {
        Self::default()
    }

    /// What is affected if these entities (references as a user types
    /// them, resolved with [`CatalogGraph::resolve`]) fail.
    pub fn with_impact<I, S>(mut self, references: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.impact = references.into_iter().map(Into::into).collect();
        self
    }

    /// What this group or user owns, through its child groups.
    pub fn with_owned_by(mut self, reference: impl Into<String>) -> Self {
        self.owned_by = Some(reference.into());
        self
    }

    /// Whether to list the cycles.
    pub fn with_cycles(mut self, ask: bool) -> Self {
        self.cycles = ask;
        self
    }

    /// Whether to list the graph's problems.
    pub fn with_problems(mut self, ask: bool) -> Self {
        self.problems = ask;
        self
    }

    /// Attribute these costs (read with [`crate::cost::parse_costs`]).
    pub fn with_costs(mut self, items: Vec<CostItem>, options: CostOptions) -> Self {
        self.costs = Some(items);
        self.cost_options = options;
        self
    }

    /// How paths are written out.
    pub fn with_report_options(mut self, options: ReportOptions) -> Self {
        self.reports = options;
        self
    }

    /// Whether any question is asked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.impact.is_empty()
            && self.owned_by.is_none()
            && !self.cycles
            && !self.problems
            && self.costs.is_none()
    }
}

/// One cycle, by the references of its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CycleReport {
    /// Which relations form it.
    pub kind: CycleKind,
    /// The members, in cycle order.
    pub members: Vec<String>,
}

/// The answers, one key per question asked, in the order the README
/// documents for `platform graph --format json`.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct GraphReport {
    /// What is affected, with the path that explains each entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Vec<PathReport>>,
    /// What the owner owns, with the group chain of each entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owned: Option<Vec<OwnedReport>>,
    /// The cycles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles: Option<Vec<CycleReport>>,
    /// The problems, as located diagnostics (serialized in their flat
    /// [`platform_model::DiagnosticRecord`] form).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_problems"
    )]
    pub problems: Option<Vec<Diagnostic>>,
    /// The costs, rolled up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub costs: Option<CostReport>,
}

fn serialize_problems<S: serde::Serializer>(
    problems: &Option<Vec<Diagnostic>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match problems {
        Some(list) => serializer.collect_seq(list.iter().map(Diagnostic::record)),
        None => serializer.serialize_none(),
    }
}

impl GraphReport {
    /// Whether a problem of error severity was found.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.problems
            .iter()
            .flatten()
            .any(|d| d.severity == Severity::Error)
    }

    /// The report as `platform graph` prints it in text mode. `render`
    /// draws each problem (with its source excerpt, if the caller has the
    /// files); every other line is written here.
    pub fn to_text(&self, mut render: impl FnMut(&Diagnostic) -> String) -> String {
        let mut text = String::new();
        for hit in self.impact.iter().flatten() {
            let _ = writeln!(
                text,
                "{:>3}  {:<50} via {}",
                hit.depth,
                hit.entity,
                hit.path.join(" -> ")
            );
        }
        for o in self.owned.iter().flatten() {
            let _ = writeln!(text, "{:<50} via {}", o.entity, o.via.join(" -> "));
        }
        if let Some(cycles) = &self.cycles {
            for c in cycles {
                let _ = writeln!(
                    text,
                    "{} cycle: {}",
                    c.kind.as_str(),
                    c.members.join(" -> ")
                );
            }
            if cycles.is_empty() {
                text.push_str("no cycles\n");
            }
        }
        if let Some(problems) = &self.problems {
            for d in problems {
                text.push_str(&render(d));
                text.push_str("\n\n");
            }
            let _ = writeln!(text, "{} problems", problems.len());
        }
        if let Some(costs) = &self.costs {
            let _ = writeln!(
                text,
                "total {:.2}, unallocated {:.2}, unowned {:.2}",
                costs.total, costs.unallocated_total, costs.unowned_total
            );
            for g in costs
                .groups
                .iter()
                .chain(&costs.systems)
                .chain(&costs.domains)
            {
                let _ = writeln!(
                    text,
                    "  {:<45} own {:>12.2}  total {:>12.2}",
                    g.entity, g.own, g.total
                );
            }
            for u in &costs.unallocated {
                let _ = writeln!(
                    text,
                    "  unallocated {:>10.2} from {}: {}",
                    u.amount, u.source, u.reason
                );
            }
        }
        text
    }
}

impl CatalogGraph {
    /// Answers `questions` in one report.
    ///
    /// ```
    /// use platform_graph::report::Questions;
    ///
    /// let graph = platform_graph::testing::acme_graph();
    /// let report = graph.answer(
    ///     &Questions::new()
    ///         .with_impact(["resource:payments-postgres"])
    ///         .with_cycles(true),
    /// )?;
    /// assert!(report.impact.as_ref().is_some_and(|hits| !hits.is_empty()));
    /// assert_eq!(report.cycles.as_deref(), Some(&[][..]));
    /// assert!(serde_json::to_value(&report)?.get("owned").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error`] when a reference does not resolve, or the owned-by
    /// reference is not a group or user.
    pub fn answer(&self, questions: &Questions) -> Result<GraphReport, Error> {
        let mut report = GraphReport::default();
        if !questions.impact.is_empty() {
            let roots = questions
                .impact
                .iter()
                .map(|r| self.resolve(r))
                .collect::<Result<Vec<_>, _>>()?;
            report.impact = Some(self.impact(&roots).report_with(self, &questions.reports));
        }
        if let Some(owner) = &questions.owned_by {
            let owner = self.resolve(owner)?;
            let owned = self.owned_by(owner, &OwnedBy::default())?;
            report.owned = Some(self.owned_report_with(&owned, &questions.reports));
        }
        if questions.cycles {
            report.cycles = Some(
                self.cycles()
                    .iter()
                    .map(|c| CycleReport {
                        kind: c.kind,
                        members: c
                            .members
                            .iter()
                            .map(|&m| self.entity_ref(m).to_string())
                            .collect(),
                    })
                    .collect(),
            );
        }
        if questions.problems {
            report.problems = Some(self.problems().into_iter().map(Diagnostic::from).collect());
        }
        if let Some(items) = &questions.costs {
            report.costs = Some(self.attribute_costs(items, &questions.cost_options));
        }
        Ok(report)
    }
}
