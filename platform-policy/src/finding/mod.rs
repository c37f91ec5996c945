//! Findings: what a rule reports, as data.

pub mod ids;

use std::borrow::Cow;
use std::fmt;

use platform_model::{Diagnostic, Pointer, Severity, Span};
use serde::Serialize;

/// What kind of input an artefact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ArtefactKind {
    /// A Kubernetes object (also Crossplane definitions, claims and
    /// composite resources).
    Manifest,
    /// A Helm values file.
    HelmValues,
    /// A Dockerfile (or Containerfile).
    Dockerfile,
    /// A Backstage catalog entity.
    CatalogEntity,
    /// The policy configuration file.
    Config,
    /// A file that could not be classified (unreadable, not YAML).
    File,
}

impl ArtefactKind {
    /// The kebab-case name used in reports and rule metadata.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manifest => "manifest",
            Self::HelmValues => "helm-values",
            Self::Dockerfile => "dockerfile",
            Self::CatalogEntity => "catalog-entity",
            Self::Config => "config",
            Self::File => "file",
        }
    }
}

impl fmt::Display for ArtefactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which artefact of an [`Inputs`](crate::Inputs) set a finding is about:
/// its kind and its index in the matching list
/// ([`Inputs::manifests`](crate::Inputs::manifests), …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtefactId {
    /// The kind (and so the list the index refers to).
    pub kind: ArtefactKind,
    /// Index in that list.
    pub index: usize,
}

impl ArtefactId {
    /// The id of the `index`-th artefact of `kind`.
    #[must_use]
    pub fn new(kind: ArtefactKind, index: usize) -> Self {
        Self { kind, index }
    }
}

/// How a finding was exempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SuppressionKind {
    /// A `platform-policy.io/ignore.<rule-id>` or
    /// `platform-policy.io/ignore-all` annotation.
    Annotation,
    /// A `# platform-policy ignore=<rule-id>[,…] <reason>` comment.
    Comment,
}

/// An exemption applied to a finding. Suppressed findings stay in the
/// report; they never count towards a threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Suppression {
    /// Annotation or comment.
    pub kind: SuppressionKind,
    /// The justification written with the exemption (never empty).
    pub reason: String,
    /// Where the exemption is written.
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Suppression {
    /// An exemption of `kind` with a reason.
    #[must_use]
    pub fn new(kind: SuppressionKind, reason: impl Into<String>, span: Option<Span>) -> Self {
        Self {
            kind,
            reason: reason.into(),
            span,
        }
    }
}

/// The Pod Security Standards level a failed control belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PssLevel {
    /// PSS *baseline*: known privilege escalations.
    Baseline,
    /// PSS *restricted*: hardening best practice on top of baseline.
    Restricted,
}

/// One rule result: a located [`Diagnostic`] (its `code` is the rule id,
/// its span the exact offending field, a missing field pointing at its
/// parent) and what only a policy finding has: the artefact, the Component
/// it belongs to, an exemption and the Pod Security Standards level.
///
/// Build findings in a rule with [`RuleContext::finding`](crate::RuleContext::finding)
/// and the `at_*` helpers, which fill in the span, the JSON pointer and the
/// artefact. The accessors ([`rule`](Self::rule), [`severity`](Self::severity),
/// [`span`](Self::span), …) read the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// What and where: code (= rule id, such as `k8s.image-tag`), effective
    /// severity (after profile, configuration and lifecycle), message, span,
    /// JSON pointer of the field inside the artefact (YAML artefacts only),
    /// label and notes.
    pub diagnostic: Diagnostic,
    /// A short description of the artefact, such as
    /// `Deployment payments/payment-service` or `Dockerfile`.
    pub artefact: Option<String>,
    /// The artefact, for embedders that look it up in the [`Inputs`](crate::Inputs).
    pub artefact_id: Option<ArtefactId>,
    /// The catalog Component the artefact belongs to (`component:ns/name`).
    pub component: Option<String>,
    /// Set when an exemption applies.
    pub suppression: Option<Suppression>,
    /// For Pod Security Standards controls: the level of the failed
    /// control (drives the lifecycle ladder of `xref.prod-requires-restricted`).
    pub pss: Option<PssLevel>,
}

impl Finding {
    /// A finding without location.
    #[must_use]
    pub fn new(
        rule: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Self::from_diagnostic(Diagnostic::new(rule, severity, message))
    }

    /// A finding about no artefact in particular, from a diagnostic of
    /// another crate (its code becomes the rule id).
    #[must_use]
    pub fn from_diagnostic(diagnostic: Diagnostic) -> Self {
        Self {
            diagnostic,
            artefact: None,
            artefact_id: None,
            component: None,
            suppression: None,
            pss: None,
        }
    }

    /// The rule id, such as `k8s.image-tag` (the diagnostic's code).
    #[must_use]
    pub fn rule(&self) -> &str {
        &self.diagnostic.code
    }

    /// The effective severity.
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.diagnostic.severity
    }

    /// What is wrong, in one or two sentences.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.diagnostic.message
    }

    /// Where: the offending field, or its parent when it is missing.
    #[must_use]
    pub fn span(&self) -> Option<&Span> {
        self.diagnostic.span.as_ref()
    }

    /// JSON pointer of the field inside the artefact (YAML artefacts only).
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        self.diagnostic.path.as_ref().map(Pointer::as_str)
    }

    /// A label drawn under the snippet in text output.
    #[must_use]
    pub fn label(&self) -> Option<&str> {
        self.diagnostic.label.as_deref()
    }

    /// Extra lines (`help:` in text output).
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.diagnostic.notes
    }

    /// Sets the Pod Security Standards level of the failed control.
    #[must_use]
    pub fn with_pss(mut self, level: PssLevel) -> Self {
        self.pss = Some(level);
        self
    }

    /// Sets the span.
    #[must_use]
    pub fn with_span(mut self, span: Span) -> Self {
        self.diagnostic.span = Some(span);
        self
    }

    /// Sets the JSON pointer.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.diagnostic.path = Some(Pointer::from(path.into()));
        self
    }

    /// Sets the severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.diagnostic.severity = severity;
        self
    }

    /// Sets the artefact description and id.
    #[must_use]
    pub fn with_artefact(mut self, id: ArtefactId, description: impl Into<String>) -> Self {
        self.artefact_id = Some(id);
        self.artefact = Some(description.into());
        self
    }

    /// Sets the label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.diagnostic.label = Some(label.into());
        self
    }

    /// Adds a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.diagnostic.notes.push(note.into());
        self
    }

    /// Whether an exemption applies.
    #[must_use]
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }

    /// The file, when the finding has a span.
    #[must_use]
    pub fn file(&self) -> Option<&str> {
        self.span().map(|s| &*s.file)
    }

    /// The finding as it is rendered: its diagnostic, with a note naming the
    /// exemption when one applies.
    #[must_use]
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = self.diagnostic.clone();
        if let Some(s) = &self.suppression {
            d.notes.push(format!("suppressed: {}", s.reason));
        }
        d
    }
}

impl From<Diagnostic> for Finding {
    fn from(diagnostic: Diagnostic) -> Self {
        Self::from_diagnostic(diagnostic)
    }
}

impl fmt::Display for Finding {
    /// `file:line:col: severity[rule]: message`, the one-line form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = self.span() {
            write!(f, "{span}: ")?;
        }
        write!(
            f,
            "{}[{}]: {}",
            self.severity(),
            self.rule(),
            self.message()
        )?;
        if let Some(s) = &self.suppression {
            write!(f, " (suppressed: {})", s.reason)?;
        }
        Ok(())
    }
}
