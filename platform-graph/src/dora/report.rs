//! The four keys as data: one [`DoraEntry`] per entity, system, domain and
//! group, the events no entity took, and counts that reconcile.

use std::fmt::Write as _;

use jiff::Timestamp;
use platform_model::Diagnostic;
use serde::Serialize;

use super::bands::{Band, Thresholds};
use super::events::EventKey;

/// The time window measured: `since` inclusive, `until` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start (inclusive).
    #[serde(serialize_with = "rfc3339")]
    pub since: Timestamp,
    /// End (exclusive).
    #[serde(serialize_with = "rfc3339")]
    pub until: Timestamp,
}

fn rfc3339<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// Median and 90th percentile of the lead times, in hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LeadTime {
    /// The median (`null` when no deployed commit has a time).
    pub median: Option<f64>,
    /// The 90th percentile, nearest rank.
    pub p90: Option<f64>,
}

/// Median recovery time, in hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Recovery {
    /// The median (`null` when nothing failed and recovered).
    pub median: Option<f64>,
}

/// The band of each key (`null` for a key without a value).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KeyBands {
    /// Of the successful deployments per day.
    pub deployment_frequency: Band,
    /// Of the median lead time.
    pub lead_time: Option<Band>,
    /// Of the change failure rate.
    pub change_failure_rate: Option<Band>,
    /// Of the median recovery time.
    pub recovery_time: Option<Band>,
}

/// The four keys of one entity, or of every entity below a system, domain
/// or group (recomputed from their events, never averaged).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DoraEntry {
    /// The entity, system, domain or group.
    pub entity: String,
    /// Deployments in the window (successful and failed).
    pub deployments: u64,
    /// Successful deployments in the window.
    pub successful_deployments: u64,
    /// Deployments that failed, were rolled back or caused an incident.
    pub failed_changes: u64,
    /// Incidents that started in the window.
    pub incidents: u64,
    /// Successful deployments per day.
    pub deployment_frequency_per_day: f64,
    /// Successful deployments per week.
    pub deployment_frequency_per_week: f64,
    /// Lead time for changes.
    pub lead_time_hours: LeadTime,
    /// `failed_changes / deployments` (`null` without deployments).
    pub change_failure_rate: Option<f64>,
    /// Failed-deployment recovery time.
    pub recovery_hours: Recovery,
    /// Failures (failed changes and incidents) that recovered.
    pub recovered: u64,
    /// Failures not recovered (yet): no later successful deployment, or an
    /// open incident.
    pub unrecovered: u64,
    /// The band of each key.
    pub bands: KeyBands,
}

/// An event no entity of the catalog took.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unattributed {
    /// `deployment` or `incident`.
    pub event: &'static str,
    /// What it was about.
    pub key: EventKey,
    /// Where it was read (`file:line:column`).
    pub source: String,
    /// Why no entity took it.
    pub reason: String,
}

/// How the events were counted. For deployments (and alike for incidents):
/// `read = outside_window + other_environment + unattributed + attributed`,
/// and `attributed` is the sum of the entity entries' `deployments`. Rows
/// left out while reading are counted by the readers
/// ([`crate::dora::Read::rejected`]), not here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DoraCounts {
    /// Deployments given.
    pub deployments_read: u64,
    /// Of them, outside the window.
    pub deployments_outside_window: u64,
    /// Of them, in the window but to another environment.
    pub deployments_other_environment: u64,
    /// Of them, in the window and environment, for no known entity.
    pub deployments_unattributed: u64,
    /// Of them, counted for an entity.
    pub deployments_attributed: u64,
    /// Attributed deployments of entities without an owner (not in any group).
    pub deployments_unowned: u64,
    /// Incidents given.
    pub incidents_read: u64,
    /// Of them, started outside the window.
    pub incidents_outside_window: u64,
    /// Of them, in the window, for no known entity.
    pub incidents_unattributed: u64,
    /// Of them, counted for an entity.
    pub incidents_attributed: u64,
}

/// The four keys per entity and rolled up through the catalog.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DoraReport {
    /// The window measured.
    pub window: Window,
    /// The environment measured.
    pub environment: String,
    /// The limits the bands were given by.
    #[serde(skip)]
    pub thresholds: Thresholds,
    /// Entities with events, by reference.
    pub entities: Vec<DoraEntry>,
    /// Systems, over the entities that are part of them (through parts of parts).
    pub systems: Vec<DoraEntry>,
    /// Domains, over their systems' entities and their subdomains'.
    pub domains: Vec<DoraEntry>,
    /// Owners, over what they and every group below them own.
    pub groups: Vec<DoraEntry>,
    /// Events no entity took.
    pub unattributed: Vec<Unattributed>,
    /// How the events were counted.
    pub counts: DoraCounts,
    /// Problems met while computing (commit times after their deployment,
    /// incidents naming a deployment that is not there).
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

/// The levels a report has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Level {
    /// Per entity.
    Entity,
    /// Per system.
    System,
    /// Per domain.
    Domain,
    /// Per owning group.
    Group,
}

impl Level {
    /// Every level, in report order.
    pub const ALL: [Level; 4] = [Level::Entity, Level::System, Level::Domain, Level::Group];

    fn title(self) -> &'static str {
        match self {
            Level::Entity => "Entities",
            Level::System => "Systems",
            Level::Domain => "Domains",
            Level::Group => "Groups",
        }
    }
}

impl DoraReport {
    /// The entries of one level.
    #[must_use]
    pub fn level(&self, level: Level) -> &[DoraEntry] {
        match level {
            Level::Entity => &self.entities,
            Level::System => &self.systems,
            Level::Domain => &self.domains,
            Level::Group => &self.groups,
        }
    }

    /// Empties the levels not in `keep` (what `--by` asks for).
    pub fn retain_levels(&mut self, keep: &[Level]) {
        for level in Level::ALL {
            if !keep.contains(&level) {
                match level {
                    Level::Entity => self.entities.clear(),
                    Level::System => self.systems.clear(),
                    Level::Domain => self.domains.clear(),
                    Level::Group => self.groups.clear(),
                }
            }
        }
    }

    /// A table per level with the band of each key, then the unattributed
    /// events and the counts.
    #[must_use]
    pub fn to_text(&self, levels: &[Level]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "DORA keys for `{}`, {} to {}",
            self.environment, self.window.since, self.window.until
        );
        for &level in levels {
            let entries = self.level(level);
            let _ = writeln!(out, "\n{} ({})", level.title(), entries.len());
            if entries.is_empty() {
                continue;
            }
            let width = entries
                .iter()
                .map(|e| e.entity.chars().count())
                .max()
                .unwrap_or(0)
                .max(6);
            let _ = writeln!(
                out,
                "  {:width$}  {:>7}  {:>16}  {:>22}  {:>14}  {:>16}",
                "ENTITY",
                "DEPLOYS",
                "PER DAY",
                "LEAD TIME h (p50/p90)",
                "FAILURE RATE",
                "RECOVERY h (p50)"
            );
            for e in entries {
                let band = |b: Option<Band>| b.map_or("-", Band::as_str);
                let hours =
                    |h: Option<f64>| h.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
                let lead = format!(
                    "{}/{} {}",
                    hours(e.lead_time_hours.median),
                    hours(e.lead_time_hours.p90),
                    band(e.bands.lead_time)
                );
                let rate = format!(
                    "{} {}",
                    e.change_failure_rate
                        .map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0)),
                    band(e.bands.change_failure_rate)
                );
                let recovery = format!(
                    "{} {}",
                    hours(e.recovery_hours.median),
                    band(e.bands.recovery_time)
                );
                let _ = writeln!(
                    out,
                    "  {:width$}  {:>7}  {:>16}  {:>22}  {:>14}  {:>16}",
                    e.entity,
                    e.deployments,
                    format!(
                        "{:.2} {}",
                        e.deployment_frequency_per_day,
                        e.bands.deployment_frequency.as_str()
                    ),
                    lead,
                    rate,
                    recovery
                );
            }
        }
        if !self.unattributed.is_empty() {
            let _ = writeln!(out, "\nUnattributed ({})", self.unattributed.len());
            for u in &self.unattributed {
                let _ = writeln!(
                    out,
                    "  {} {} ({}): {}",
                    u.event,
                    u.key.text(),
                    u.source,
                    u.reason
                );
            }
        }
        let c = &self.counts;
        let _ = writeln!(
            out,
            "\n{} deployments read: {} counted, {} unattributed, {} outside the window, {} to other environments",
            c.deployments_read,
            c.deployments_attributed,
            c.deployments_unattributed,
            c.deployments_outside_window,
            c.deployments_other_environment
        );
        let _ = write!(
            out,
            "{} incidents read: {} counted, {} unattributed, {} outside the window",
            c.incidents_read,
            c.incidents_attributed,
            c.incidents_unattributed,
            c.incidents_outside_window
        );
        out
    }
}
