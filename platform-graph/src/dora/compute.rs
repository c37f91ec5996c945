//! Computing the four keys: events resolved to entities, tallied per
//! entity, and the tallies of every member merged per system, domain and
//! owning group, so a roll-up's rates and medians come from its members'
//! events, never from their rates.

use jiff::Timestamp;
use petgraph::Direction;
use platform_model::relations::RelationType;
use platform_model::{Diagnostic, EntityKind, EntityRef};
use rustc_hash::FxHashMap;

use super::bands::Thresholds;
use super::events::{Deployment, DeploymentStatus, EventKey, Incident};
use super::report::{
    DoraCounts, DoraEntry, DoraReport, KeyBands, LeadTime, Recovery, Unattributed, Window,
};
use super::time::hours_between;
use crate::codes;
use crate::cost::KUBERNETES_ID;
use crate::error::Error;
use crate::graph::{CatalogGraph, NodeId};

/// The annotation Backstage's GitHub plugins read (`owner/name`).
pub const GITHUB_PROJECT_SLUG: &str = "github.com/project-slug";
/// The annotation Backstage's Argo CD plugin reads.
pub const ARGOCD_APP_NAME: &str = "argocd/app-name";

/// Options of [`CatalogGraph::dora`].
#[derive(Clone, Debug)]
#[must_use]
pub struct DoraOptions {
    window: Window,
    environment: String,
    thresholds: Thresholds,
}

impl DoraOptions {
    /// The window `since..until` for the `production` environment with the
    /// default [`Thresholds`].
    pub fn new(since: Timestamp, until: Timestamp) -> Self {
        Self {
            window: Window { since, until },
            environment: "production".to_owned(),
            thresholds: Thresholds::default(),
        }
    }

    /// The environment measured (compared ignoring case); deployments
    /// that name none count for it.
    pub fn with_environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = environment.into();
        self
    }

    /// The band limits.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }
}

/// What one entity's (or one roll-up's) events add up to.
#[derive(Clone, Debug, Default)]
struct Tally {
    deployments: u64,
    successful: u64,
    failed_changes: u64,
    incidents: u64,
    recovered: u64,
    unrecovered: u64,
    lead_hours: Vec<f64>,
    recovery_hours: Vec<f64>,
}

/// Event keys to entities: by reference, Kubernetes id, bare name, GitHub
/// repository or Argo CD application, every lookup hashed (no scan of the
/// catalog per event).
struct Resolver<'g> {
    graph: &'g CatalogGraph,
    names: FxHashMap<(String, String), Vec<NodeId>>,
    annotations: FxHashMap<(&'static str, String), Vec<NodeId>>,
}

impl<'g> Resolver<'g> {
    fn new(graph: &'g CatalogGraph) -> Self {
        let mut names: FxHashMap<(String, String), Vec<NodeId>> = FxHashMap::default();
        let mut annotations: FxHashMap<(&'static str, String), Vec<NodeId>> = FxHashMap::default();
        for (id, node) in graph.nodes() {
            if node.is_placeholder() {
                continue;
            }
            names
                .entry((
                    node.entity_ref.namespace().to_ascii_lowercase(),
                    node.entity_ref.name().to_ascii_lowercase(),
                ))
                .or_default()
                .push(id);
            if let Some(entity) = graph.entity(id) {
                for key in [KUBERNETES_ID, GITHUB_PROJECT_SLUG, ARGOCD_APP_NAME] {
                    if let Some(value) = entity.metadata.annotation(key) {
                        let value = if key == GITHUB_PROJECT_SLUG {
                            value.trim().to_ascii_lowercase()
                        } else {
                            value.trim().to_owned()
                        };
                        annotations.entry((key, value)).or_default().push(id);
                    }
                }
            }
        }
        Self {
            graph,
            names,
            annotations,
        }
    }

    fn one(
        found: Option<&Vec<NodeId>>,
        what: &str,
        graph: &CatalogGraph,
    ) -> Result<NodeId, String> {
        match found.map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) if !many.is_empty() => {
                let mut refs: Vec<String> = many
                    .iter()
                    .map(|&n| graph.entity_ref(n).to_string())
                    .collect();
                refs.sort();
                Err(format!("{what} is ambiguous: {}", refs.join(", ")))
            }
            _ => Err(format!("no entity has {what}")),
        }
    }

    fn by_annotation(&self, key: &'static str, value: &str) -> Result<NodeId, String> {
        let value = if key == GITHUB_PROJECT_SLUG {
            value.to_ascii_lowercase()
        } else {
            value.to_owned()
        };
        let what = format!("the annotation `{key}: {value}`");
        let found = self.annotations.get(&(key, value));
        Self::one(found, &what, self.graph)
    }

    fn resolve(&self, key: &EventKey) -> Result<NodeId, String> {
        match key {
            EventKey::KubernetesId(id) => self.by_annotation(KUBERNETES_ID, id),
            EventKey::GithubRepository(slug) => self.by_annotation(GITHUB_PROJECT_SLUG, slug),
            EventKey::ArgoApplication(name) => self
                .by_annotation(ARGOCD_APP_NAME, name)
                .or_else(|_| self.entity(name)),
            EventKey::Entity(text) => self.entity(text),
        }
    }

    /// As cost keys: a reference with a kind, else a Kubernetes id, else
    /// a bare name (`name` or `namespace/name`).
    fn entity(&self, text: &str) -> Result<NodeId, String> {
        if text.contains(':') {
            let reference = EntityRef::parse(text).map_err(|e| format!("`{text}`: {e}"))?;
            return self
                .graph
                .find(&reference)
                .filter(|&n| !self.graph.node(n).is_placeholder())
                .ok_or_else(|| format!("no entity {reference} in the catalog"));
        }
        if let Some(found) = self.annotations.get(&(KUBERNETES_ID, text.to_owned())) {
            return Self::one(
                Some(found),
                &format!("the kubernetes id `{text}`"),
                self.graph,
            );
        }
        let (namespace, name) = text.split_once('/').unwrap_or(("default", text));
        let found = self
            .names
            .get(&(namespace.to_ascii_lowercase(), name.to_ascii_lowercase()));
        Self::one(found, &format!("the name `{text}`"), self.graph).map_err(|m| {
            if found.is_none() {
                format!("no entity `{text}` in the catalog")
            } else {
                m
            }
        })
    }
}

/// `value` at the 1-based nearest rank `ceil(p·n)` of `values` (reordered).
fn nearest_rank(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    let (_, v, _) = values.select_nth_unstable_by(rank - 1, f64::total_cmp);
    Some(*v)
}

/// The median (the mean of the two middle values of an even count).
fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = below
        .iter()
        .copied()
        .max_by(f64::total_cmp)
        .unwrap_or(upper);
    Some(f64::midpoint(lower, upper))
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.deployments += other.deployments;
        self.successful += other.successful;
        self.failed_changes += other.failed_changes;
        self.incidents += other.incidents;
        self.recovered += other.recovered;
        self.unrecovered += other.unrecovered;
        self.lead_hours.extend_from_slice(&other.lead_hours);
        self.recovery_hours.extend_from_slice(&other.recovery_hours);
    }

    fn entry(mut self, entity: String, days: f64, thresholds: &Thresholds) -> DoraEntry {
        #[allow(clippy::cast_precision_loss)]
        let per_day = self.successful as f64 / days;
        #[allow(clippy::cast_precision_loss)]
        let rate =
            (self.deployments > 0).then(|| self.failed_changes as f64 / self.deployments as f64);
        let lead_median = median(&mut self.lead_hours);
        let lead_p90 = nearest_rank(&mut self.lead_hours, 0.9);
        let recovery = median(&mut self.recovery_hours);
        DoraEntry {
            entity,
            deployments: self.deployments,
            successful_deployments: self.successful,
            failed_changes: self.failed_changes,
            incidents: self.incidents,
            deployment_frequency_per_day: per_day,
            deployment_frequency_per_week: per_day * 7.0,
            lead_time_hours: LeadTime {
                median: lead_median,
                p90: lead_p90,
            },
            change_failure_rate: rate,
            recovery_hours: Recovery { median: recovery },
            recovered: self.recovered,
            unrecovered: self.unrecovered,
            bands: KeyBands {
                deployment_frequency: thresholds.deployment_frequency.band(per_day),
                lead_time: lead_median.map(|v| thresholds.lead_time.band(v)),
                change_failure_rate: rate.map(|v| thresholds.change_failure_rate.band(v)),
                recovery_time: recovery.map(|v| thresholds.recovery_time.band(v)),
            },
        }
    }
}

impl CatalogGraph {
    /// The four DORA keys of every entity with events in the window, and
    /// rolled up to systems, domains and owning groups.
    ///
    /// - Deployment frequency: successful deployments in the window, per
    ///   day and per week of the window.
    /// - Lead time for changes: for every commit a successful deployment
    ///   shipped, the hours from its commit time to the deployment; median
    ///   and 90th percentile (nearest rank).
    /// - Change failure rate: deployments that failed, were rolled back
    ///   (another deployment's `rollback_of` names them) or caused an
    ///   incident, over all deployments in the window.
    /// - Failed-deployment recovery time: for each failed or rolled-back
    ///   deployment, the hours to the entity's next successful deployment;
    ///   for each incident, the hours to its resolution; the median.
    ///
    /// # Errors
    ///
    /// [`Error::Options`] when the window is empty.
    pub fn dora<'a>(
        &self,
        deployments: &'a [Deployment],
        incidents: &'a [Incident],
        options: &DoraOptions,
    ) -> Result<DoraReport, Error> {
        let Window { since, until } = options.window;
        if until <= since {
            return Err(Error::Options(format!(
                "the window is empty: {since} is not before {until}"
            )));
        }
        let days = hours_between(since, until) / 24.0;
        let in_window = |t: Timestamp| t >= since && t < until;
        let environment = |d: &Deployment| {
            d.environment.is_empty() || d.environment.eq_ignore_ascii_case(&options.environment)
        };
        let resolver = Resolver::new(self);
        let mut cache: FxHashMap<&'a EventKey, Result<NodeId, String>> = FxHashMap::default();
        let mut resolve = |key: &'a EventKey| -> Result<NodeId, String> {
            cache
                .entry(key)
                .or_insert_with(|| resolver.resolve(key))
                .clone()
        };
        let mut counts = DoraCounts::default();
        let mut unattributed = Vec::new();
        let mut diagnostics = Vec::new();

        // Deployments that count as failed changes besides failures: the
        // ids rollbacks and incidents name (a small table), then one lookup
        // per deployment.
        const ROLLED_BACK: u8 = 1;
        const CAUSED_INCIDENT: u8 = 2;
        const FOUND: u8 = 4;
        let mut marks: FxHashMap<&str, u8> = FxHashMap::default();
        for d in deployments.iter().filter(|d| environment(d)) {
            if let Some(id) = &d.rollback_of {
                *marks.entry(id).or_default() |= ROLLED_BACK;
            }
        }
        for i in incidents {
            if let Some(id) = &i.caused_by_deployment {
                *marks.entry(id).or_default() |= CAUSED_INCIDENT;
            }
        }
        let mut flags = vec![0u8; deployments.len()];
        if !marks.is_empty() {
            for (flag, d) in flags.iter_mut().zip(deployments) {
                if let Some(mark) = d.id.as_deref().and_then(|id| marks.get_mut(id)) {
                    *mark |= FOUND;
                    *flag = *mark & (ROLLED_BACK | CAUSED_INCIDENT);
                }
            }
        }
        for i in incidents {
            if let Some(id) = &i.caused_by_deployment
                && marks.get(id.as_str()).is_some_and(|m| m & FOUND == 0)
            {
                diagnostics.push(
                    Diagnostic::warning(
                        codes::DORA_FIELD,
                        format!("caused by deployment `{id}`, which no deployment has as its id"),
                    )
                    .with_span(i.source.clone()),
                );
            }
        }

        // Each entity's deployments to the environment (indices), for the
        // next success after a failure (which may lie after the window).
        let mut by_entity: FxHashMap<NodeId, Vec<u32>> = FxHashMap::default();
        let mut tallies: FxHashMap<NodeId, Tally> = FxHashMap::default();
        for (index, d) in deployments.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            counts.deployments_read += 1;
            if !in_window(d.time) {
                counts.deployments_outside_window += 1;
                if environment(d)
                    && let Ok(node) = resolve(&d.entity)
                {
                    by_entity.entry(node).or_default().push(index);
                }
                continue;
            }
            if !environment(d) {
                counts.deployments_other_environment += 1;
                continue;
            }
            match resolve(&d.entity) {
                Ok(node) => {
                    counts.deployments_attributed += 1;
                    by_entity.entry(node).or_default().push(index);
                    tallies.entry(node).or_default();
                }
                Err(reason) => {
                    counts.deployments_unattributed += 1;
                    unattributed.push(Unattributed {
                        event: "deployment",
                        key: d.entity.clone(),
                        source: d.source.to_string(),
                        reason,
                    });
                }
            }
        }
        let deployment = |i: u32| &deployments[i as usize];
        let flag = |i: u32| flags[i as usize];
        for (node, list) in &mut by_entity {
            list.sort_by_key(|&i| (deployment(i).time, i));
            let Some(tally) = tallies.get_mut(node) else {
                continue;
            };
            for (at, &i) in list.iter().enumerate() {
                let d = deployment(i);
                if !in_window(d.time) {
                    continue;
                }
                tally.deployments += 1;
                let failed = d.status == DeploymentStatus::Failure || flag(i) & ROLLED_BACK != 0;
                if failed || flag(i) & CAUSED_INCIDENT != 0 {
                    tally.failed_changes += 1;
                }
                if d.status == DeploymentStatus::Success {
                    tally.successful += 1;
                    for commit in &d.commits {
                        let hours = hours_between(commit.time, d.time);
                        if hours < 0.0 {
                            diagnostics.push(
                                Diagnostic::warning(
                                    codes::DORA_ORDER,
                                    format!(
                                        "a commit{} at {} is later than its deployment at {}; left out of the lead time",
                                        commit.sha.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
                                        commit.time,
                                        d.time
                                    ),
                                )
                                .with_span(d.source.clone()),
                            );
                            continue;
                        }
                        tally.lead_hours.push(hours);
                    }
                }
                // A failure recovers with the next success that was not
                // itself rolled back; a deployment that failed only by
                // causing an incident recovers with the incident.
                if failed {
                    let next =
                        list[at + 1..]
                            .iter()
                            .map(|&n| (n, deployment(n)))
                            .find(|(n, next)| {
                                next.status == DeploymentStatus::Success
                                    && flag(*n) & ROLLED_BACK == 0
                            });
                    match next {
                        Some((_, n)) => {
                            tally.recovered += 1;
                            tally.recovery_hours.push(hours_between(d.time, n.time));
                        }
                        None => tally.unrecovered += 1,
                    }
                }
            }
        }
        for i in incidents {
            counts.incidents_read += 1;
            if !in_window(i.started) {
                counts.incidents_outside_window += 1;
                continue;
            }
            match resolve(&i.entity) {
                Ok(node) => {
                    counts.incidents_attributed += 1;
                    let tally = tallies.entry(node).or_default();
                    tally.incidents += 1;
                    match i.resolved {
                        Some(resolved) => {
                            tally.recovered += 1;
                            tally
                                .recovery_hours
                                .push(hours_between(i.started, resolved));
                        }
                        None => tally.unrecovered += 1,
                    }
                }
                Err(reason) => {
                    counts.incidents_unattributed += 1;
                    unattributed.push(Unattributed {
                        event: "incident",
                        key: i.entity.clone(),
                        source: i.source.to_string(),
                        reason,
                    });
                }
            }
        }

        let thresholds = &options.thresholds;
        let mut nodes: Vec<NodeId> = tallies.keys().copied().collect();
        nodes.sort_by_cached_key(|&n| self.entity_ref(n).to_string());
        let (systems, domains, groups, unowned) = self.dora_roll_ups(&nodes, &tallies);
        counts.deployments_unowned = unowned;
        let entry_of = |members: &[NodeId], of: NodeId| {
            let mut sum = Tally::default();
            for m in members {
                if let Some(t) = tallies.get(m) {
                    sum.add(t);
                }
            }
            sum.entry(self.entity_ref(of).to_string(), days, thresholds)
        };
        let level = |map: FxHashMap<NodeId, Vec<NodeId>>| {
            let mut entries: Vec<DoraEntry> = map
                .iter()
                .map(|(&of, members)| entry_of(members, of))
                .collect();
            entries.sort_by(|a, b| a.entity.cmp(&b.entity));
            entries
        };
        let systems = level(systems);
        let domains = level(domains);
        let groups = level(groups);
        let entities = nodes
            .iter()
            .map(|&n| {
                tallies.remove(&n).unwrap_or_default().entry(
                    self.entity_ref(n).to_string(),
                    days,
                    thresholds,
                )
            })
            .collect();
        Ok(DoraReport {
            window: options.window,
            environment: options.environment.clone(),
            thresholds: *thresholds,
            entities,
            systems,
            domains,
            groups,
            unattributed,
            counts,
            diagnostics,
        })
    }

    /// The members of every system, domain and group: each entity is a
    /// member of every system and domain it is part of (through parts of
    /// parts and subdomains), and of its owner and every group above it
    /// (first parent, as costs roll up). Also the deployments of entities
    /// without an owner.
    #[allow(clippy::type_complexity)]
    fn dora_roll_ups(
        &self,
        nodes: &[NodeId],
        tallies: &FxHashMap<NodeId, Tally>,
    ) -> (
        FxHashMap<NodeId, Vec<NodeId>>,
        FxHashMap<NodeId, Vec<NodeId>>,
        FxHashMap<NodeId, Vec<NodeId>>,
        u64,
    ) {
        let mut systems: FxHashMap<NodeId, Vec<NodeId>> = FxHashMap::default();
        let mut domains: FxHashMap<NodeId, Vec<NodeId>> = FxHashMap::default();
        let mut groups: FxHashMap<NodeId, Vec<NodeId>> = FxHashMap::default();
        let mut unowned = 0;
        // One visited table for every walk, reset by stamping.
        let mut stamp = vec![0u32; self.bound()];
        let mut round = 0u32;
        let mut stack: Vec<NodeId> = Vec::new();
        for &entity in nodes {
            round += 1;
            stamp[entity.index()] = round;
            stack.clear();
            stack.push(entity);
            while let Some(current) = stack.pop() {
                for whole in self.neighbours(current.0, RelationType::PartOf, Direction::Outgoing) {
                    let whole = NodeId(whole);
                    if std::mem::replace(&mut stamp[whole.index()], round) == round {
                        continue;
                    }
                    let node = self.node(whole);
                    if node.is_placeholder() {
                        continue;
                    }
                    match node.kind {
                        EntityKind::System => systems.entry(whole).or_default().push(entity),
                        EntityKind::Domain => domains.entry(whole).or_default().push(entity),
                        _ => {}
                    }
                    stack.push(whole);
                }
            }
            match self
                .owner(entity)
                .filter(|&o| !self.node(o).is_placeholder())
            {
                Some(owner) => {
                    round += 1;
                    let mut current = Some(owner);
                    while let Some(group) = current {
                        if std::mem::replace(&mut stamp[group.index()], round) == round
                            || self.node(group).is_placeholder()
                        {
                            break;
                        }
                        groups.entry(group).or_default().push(entity);
                        current = self.related(group, RelationType::ChildOf).next();
                    }
                }
                None => unowned += tallies.get(&entity).map_or(0, |t| t.deployments),
            }
        }
        (systems, domains, groups, unowned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        let mut ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&mut ten, 0.9), Some(9.0));
        assert_eq!(nearest_rank(&mut [5.0], 0.9), Some(5.0));
        let mut eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(nearest_rank(&mut eleven, 0.9), Some(10.0));
    }
}
