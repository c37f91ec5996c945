//! What the four keys are computed from: deployments, incidents and the
//! commit times of the changes each deployment shipped.

use jiff::Timestamp;
use platform_model::Span;
use serde::Serialize;

/// What an event is about, resolved against the catalog like cost keys
/// (an entity reference, a bare name or a `backstage.io/kubernetes-id`),
/// or through the annotations Backstage's own plugins use.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventKey {
    /// An entity reference (`component:default/payment-service`), a bare
    /// name or a Kubernetes id.
    Entity(String),
    /// A `backstage.io/kubernetes-id` value.
    KubernetesId(String),
    /// A GitHub repository (`owner/name`), matched to the entity whose
    /// `github.com/project-slug` annotation names it.
    GithubRepository(String),
    /// An Argo CD Application name, matched to the entity whose
    /// `argocd/app-name` annotation names it, else as [`EventKey::Entity`].
    ArgoApplication(String),
}

impl EventKey {
    /// The text as read.
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Self::Entity(t) | Self::KubernetesId(t) | Self::GithubRepository(t) => t,
            Self::ArgoApplication(t) => t,
        }
    }

    /// Reads a key as written in a row: `kubernetes-id:web` is a
    /// Kubernetes id, anything else an entity reference or bare name.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match text.strip_prefix("kubernetes-id:") {
            Some(id) => Self::KubernetesId(id.to_owned()),
            None => Self::Entity(text.to_owned()),
        }
    }
}

/// How a deployment ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentStatus {
    /// It reached the environment.
    Success,
    /// It did not.
    Failure,
}

/// One commit a deployment shipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// Its id, when known.
    pub sha: Option<String>,
    /// When it was committed.
    pub time: Timestamp,
}

/// One deployment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Deployment {
    /// Its id, when the source has one (rollbacks and incidents refer to it).
    pub id: Option<String>,
    /// When it finished.
    pub time: Timestamp,
    /// What was deployed.
    pub entity: EventKey,
    /// Where to (`production`, `staging`, …).
    pub environment: String,
    /// The version or commit deployed.
    pub version: Option<String>,
    /// The commit deployed, when known (lead times from a repository).
    pub commit: Option<String>,
    /// How it ended.
    pub status: DeploymentStatus,
    /// The id of the deployment this one rolled back.
    pub rollback_of: Option<String>,
    /// The commits it shipped, when the row lists them (else read from a
    /// repository with [`crate::dora::commits_from_source`]).
    pub commits: Vec<Commit>,
    /// Where it was read (the row).
    #[serde(skip)]
    pub source: Span,
}

impl Deployment {
    /// A deployment with no id, version, rollback or commits.
    #[must_use]
    pub fn new(
        time: Timestamp,
        entity: EventKey,
        environment: impl Into<String>,
        status: DeploymentStatus,
        source: Span,
    ) -> Self {
        Self {
            id: None,
            time,
            entity,
            environment: environment.into(),
            version: None,
            commit: None,
            status,
            rollback_of: None,
            commits: Vec::new(),
            source,
        }
    }

    /// Sets the id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the commit deployed.
    #[must_use]
    pub fn with_commit(mut self, commit: impl Into<String>) -> Self {
        self.commit = Some(commit.into());
        self
    }

    /// Sets the deployment this one rolled back.
    #[must_use]
    pub fn with_rollback_of(mut self, id: impl Into<String>) -> Self {
        self.rollback_of = Some(id.into());
        self
    }

    /// Sets the commits shipped.
    #[must_use]
    pub fn with_commits(mut self, commits: Vec<Commit>) -> Self {
        self.commits = commits;
        self
    }
}

/// One incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Incident {
    /// Its id, when the source has one.
    pub id: Option<String>,
    /// What it hit.
    pub entity: EventKey,
    /// When it started.
    pub started: Timestamp,
    /// When it was resolved (open when absent).
    pub resolved: Option<Timestamp>,
    /// The deployment that caused it.
    pub caused_by_deployment: Option<String>,
    /// Where it was read (the row).
    #[serde(skip)]
    pub source: Span,
}

impl Incident {
    /// An open incident with no cause.
    #[must_use]
    pub fn new(entity: EventKey, started: Timestamp, source: Span) -> Self {
        Self {
            id: None,
            entity,
            started,
            resolved: None,
            caused_by_deployment: None,
            source,
        }
    }

    /// Sets when it was resolved.
    #[must_use]
    pub fn with_resolved(mut self, resolved: Timestamp) -> Self {
        self.resolved = Some(resolved);
        self
    }

    /// Sets the deployment that caused it.
    #[must_use]
    pub fn with_caused_by(mut self, deployment: impl Into<String>) -> Self {
        self.caused_by_deployment = Some(deployment.into());
        self
    }
}
