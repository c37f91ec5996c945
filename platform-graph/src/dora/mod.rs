//! DORA's four keys per entity, rolled up through the catalog to systems,
//! domains and owning groups.
//!
//! Inputs are deployments ([`read_deployments`]: rows in JSON, YAML or CSV,
//! Argo CD `Application` history, GitHub deployments with statuses),
//! incidents ([`read_incidents`]) and, for lead times, when each shipped
//! change was committed (a `commits` field, or a local repository through
//! [`GitRepository`]). Rows that cannot be read are located diagnostics,
//! left out and counted; events for entities the catalog does not know are
//! reported as unattributed, never dropped.
//!
//! Bands: elite is the article's table (multiple deployments a day, lead
//! time under one hour, change failure rate under 5 %, recovery under one
//! hour); high and medium are the 2023 Accelerate State of DevOps report's
//! software delivery performance levels (DORA / Google Cloud): deployment
//! frequency between once per day and once per week, or once per week and
//! once per month; change lead time between one day and one week, or one
//! week and one month; change failure rate 10 % or 15 %; failed deployment
//! recovery time less than one day, or between one day and one week.
//! Whatever meets no limit is low. [`Thresholds`] holds the limits.
//!
//! ```
//! use platform_graph::dora::{DoraOptions, parse_bound, read_deployments};
//! # let graph = platform_graph::testing::acme_graph();
//! let read = read_deployments("deployments.csv", "\
//! time,entity,environment,status,id,commits
//! 2026-11-02T10:00:00Z,payment-service,production,success,d1,a1=2026-11-02T09:30:00Z
//! 2026-11-03T10:00:00Z,payment-service,production,failure,d2,
//! 2026-11-03T10:30:00Z,payment-service,production,success,d3,
//! 2026-11-04T10:00:00Z,ghost-service,production,success,d4,
//! ");
//! assert_eq!(read.rejected, 0);
//! let options = DoraOptions::new(parse_bound("2026-11-01")?, parse_bound("2026-11-08")?);
//! let report = graph.dora(&read.items, &[], &options)?;
//! let payments = &report.entities[0];
//! assert_eq!(payments.entity, "component:default/payment-service");
//! assert_eq!((payments.deployments, payments.failed_changes), (3, 1));
//! assert_eq!(payments.lead_time_hours.median, Some(0.5));
//! assert_eq!(payments.recovery_hours.median, Some(0.5));
//! assert_eq!(report.unattributed.len(), 1);
//! let team = report.groups.iter().find(|g| g.entity == "group:default/payments-team").unwrap();
//! assert_eq!(team.deployments, 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bands;
mod commits;
mod compute;
mod events;
mod read;
mod report;
mod rows;
mod time;

pub use bands::{Band, Comparison, KeyLimits, Limit, Thresholds};
pub use commits::{CommitSource, GitRepository, commits_from_source};
pub use compute::{ARGOCD_APP_NAME, DoraOptions, GITHUB_PROJECT_SLUG};
pub use events::{Commit, Deployment, DeploymentStatus, EventKey, Incident};
pub use jiff::Timestamp;
pub use read::{Read, read_deployments, read_incidents};
pub use report::{
    DoraCounts, DoraEntry, DoraReport, KeyBands, LeadTime, Level, Recovery, Unattributed, Window,
};
pub(crate) use rows::rows_for_survey;
pub use time::{hours_between, parse_bound, parse_instant};
