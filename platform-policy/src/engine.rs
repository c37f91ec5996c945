//! The checker: discovery, parsing, every enabled rule, the lifecycle
//! ladder, exemptions and scorecards.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use platform_model::loader::{ReadError, read_limited};
use platform_model::{Severity, Span};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::config::PolicyConfig;
use crate::dockerfile::DockerfileLimits;
use crate::error::Error;
use crate::finding::ids;
use crate::finding::{ArtefactId, ArtefactKind, Finding, PssLevel};
use crate::inputs::{FileHint, FileOutcome, Inputs, classify, discover};
use crate::joins::{Index, Joins};
use crate::report::{PolicyReport, RuleSummary, Summary};
use crate::rule::{Profile, Registry, Rule, RuleContext};
use crate::scorecard;

/// Largest file read, in bytes (larger ones are `input.unreadable`).
pub const DEFAULT_MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Largest configuration file read, in bytes (a larger one is
/// [`Error::TooLarge`]).
pub const DEFAULT_MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// How to check.
#[derive(Clone, Debug)]
#[must_use]
pub struct CheckOptions {
    profile: Option<Profile>,
    config: Option<PolicyConfig>,
    config_file: Option<PathBuf>,
    registry: Registry,
    gitignore: bool,
    exclude: Vec<String>,
    max_file_bytes: usize,
    max_config_bytes: usize,
    dockerfile_limits: DockerfileLimits,
    max_depth: usize,
    max_schema_steps: usize,
    app_configs: Vec<PathBuf>,
    policies: Vec<PathBuf>,
    rule_files: Vec<PathBuf>,
    backend_dir: Option<PathBuf>,
    registration: platform_model::loader::RegisteredAs,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            profile: None,
            config: None,
            config_file: None,
            registry: Registry::builtin(),
            gitignore: true,
            exclude: Vec::new(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_config_bytes: DEFAULT_MAX_CONFIG_BYTES,
            dockerfile_limits: DockerfileLimits::default(),
            max_depth: crate::crossplane::DEFAULT_MAX_DEPTH,
            max_schema_steps: crate::crossplane::DEFAULT_MAX_SCHEMA_STEPS,
            app_configs: Vec::new(),
            policies: Vec::new(),
            rule_files: Vec::new(),
            backend_dir: None,
            registration: platform_model::loader::RegisteredAs::File,
        }
    }
}

impl CheckOptions {
    /// The defaults: built-in rules, profile `restricted`, `.gitignore` honoured.
    pub fn new() -> Self {
        Self::default()
    }

    /// The profile (wins over the configuration's).
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// A configuration built in code.
    pub fn with_config(mut self, config: PolicyConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// A YAML configuration file, read when the checker is built.
    pub fn with_config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// The rules (default: [`Registry::builtin`]).
    pub fn with_registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// Adds a rule of your own.
    ///
    /// # Errors
    ///
    /// As [`Registry::register`].
    pub fn with_rule(mut self, rule: impl Rule + 'static) -> Result<Self, Error> {
        self.registry.register(rule)?;
        Ok(self)
    }

    /// Whether directory walks honour `.gitignore` and `.ignore` (default true).
    pub fn with_gitignore(mut self, honour: bool) -> Self {
        self.gitignore = honour;
        self
    }

    /// Globs (relative to the root) never read, on top of the configuration's.
    pub fn with_exclude<I, S>(mut self, globs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude.extend(globs.into_iter().map(Into::into));
        self
    }

    /// Largest file read (default [`DEFAULT_MAX_FILE_BYTES`], 16 MiB).
    pub fn with_max_file_bytes(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// Largest configuration file read (default
    /// [`DEFAULT_MAX_CONFIG_BYTES`], 1 MiB).
    pub fn with_max_config_bytes(mut self, bytes: usize) -> Self {
        self.max_config_bytes = bytes;
        self
    }

    /// Limits of the Dockerfile parser (default [`DockerfileLimits::default`]).
    pub fn with_dockerfile_limits(mut self, limits: DockerfileLimits) -> Self {
        self.dockerfile_limits = limits;
        self
    }

    /// Deepest nesting the recursive walks over values and schemas follow
    /// (the Crossplane validator and its defaulting); deeper parts are a
    /// located finding. Default [`crate::DEFAULT_MAX_DEPTH`], 128.
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Most steps (values visited, defaults copied, enum entries compared)
    /// the Crossplane validator spends on one claim or composite; past it
    /// the rest is a located finding. Default
    /// [`crate::DEFAULT_MAX_SCHEMA_STEPS`], 1 000 000.
    pub fn with_max_schema_steps(mut self, steps: usize) -> Self {
        self.max_schema_steps = steps;
        self
    }

    /// Adds files or directories of ValidatingAdmissionPolicies and
    /// bindings to evaluate against the checked objects, besides those in
    /// the tree (`platform check --policies PATH`).
    pub fn with_policies(mut self, paths: impl IntoIterator<Item = PathBuf>) -> Self {
        self.policies.extend(paths);
        self
    }

    /// Adds rule files: rules written in CEL (the format is in the README),
    /// run, configured, exempted and reported like the built-in rules
    /// (`platform check --rules FILE`).
    pub fn with_rule_files(mut self, files: impl IntoIterator<Item = PathBuf>) -> Self {
        self.rule_files.extend(files);
        self
    }

    /// Backstage app-configs whose `catalog.rules` [`crate::check_tree`]
    /// enforces on the tree's catalog (later files override earlier ones).
    pub fn with_app_configs(mut self, files: impl IntoIterator<Item = PathBuf>) -> Self {
        self.app_configs = files.into_iter().collect();
        self
    }

    /// The directory the backend runs in, for the app-configs' relative
    /// `file` locations (see [`platform_model::app_config::AppConfig::default_backend_dir`]).
    pub fn with_backend_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.backend_dir = Some(dir.into());
        self
    }

    /// How the tree's catalog is registered with Backstage (default
    /// `file`), which decides how its placeholders and Location targets
    /// resolve (see [`platform_model::LoadOptions::with_registration`]).
    pub fn with_registration(mut self, registration: platform_model::loader::RegisteredAs) -> Self {
        self.registration = registration;
        self
    }

    /// How [`crate::check_tree`] ingests the tree's catalog.
    pub(crate) fn ingest_options(
        &self,
        load: platform_model::LoadOptions,
    ) -> platform_model::loader::IngestOptions {
        let load = load.with_registration(self.registration);
        let mut options = platform_model::loader::IngestOptions::new(load)
            .with_app_configs(self.app_configs.iter().cloned());
        if let Some(dir) = &self.backend_dir {
            options = options.with_backend_dir(dir);
        }
        options
    }
}

/// A rule with its effective settings.
#[derive(Clone)]
struct Effective {
    rule: Arc<dyn Rule>,
    enabled: bool,
    severity: Severity,
    overridden: bool,
    options: Map<String, Value>,
}

/// A configured checker; build once, check many trees.
///
/// ```
/// use platform_policy::{CheckOptions, Checker, Inputs};
///
/// let checker = Checker::new(&CheckOptions::new())?;
/// let mut inputs = Inputs::new();
/// inputs.add_source("Dockerfile", "FROM node\nCMD node server.js\n");
/// let report = checker.check_inputs(inputs);
/// let rules: Vec<&str> = report.findings.iter().map(|f| f.rule()).collect();
/// assert!(rules.contains(&"docker.base-image-pinned"));
/// assert!(rules.contains(&"docker.non-root-user"));
/// # Ok::<(), platform_policy::Error>(())
/// ```
#[derive(Clone)]
pub struct Checker {
    profile: Profile,
    config: PolicyConfig,
    rules: Vec<Effective>,
    config_findings: Vec<Finding>,
    config_source: Option<(Arc<str>, Arc<str>)>,
    exclude: GlobSet,
    gitignore: bool,
    max_file_bytes: usize,
    dockerfile_limits: DockerfileLimits,
    walk: crate::crossplane::WalkLimits,
    /// ValidatingAdmissionPolicies and bindings given apart from the tree.
    policy_inputs: Vec<Inputs>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("profile", &self.profile)
            .field("rules", &self.rules.iter().filter(|r| r.enabled).count())
            .finish_non_exhaustive()
    }
}

impl Checker {
    /// Builds a checker: reads the configuration file, resolves profile,
    /// rule settings and excludes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`]/[`Error::NotFound`] when the configuration
    /// file cannot be read, [`Error::Glob`] for an invalid exclude
    /// glob. Problems *inside* the configuration are findings.
    pub fn new(options: &CheckOptions) -> Result<Self, Error> {
        let mut config_findings = Vec::new();
        let mut config_source = None;
        let mut config = options.config.clone().unwrap_or_default();
        let mut policy_paths: Vec<PathBuf> = config.policies.iter().map(PathBuf::from).collect();
        let mut rule_paths: Vec<PathBuf> = config.rule_files.iter().map(PathBuf::from).collect();
        if let Some(path) = &options.config_file {
            let text = read_config(path, options.max_config_bytes)?;
            let name = path.to_string_lossy().replace('\\', "/");
            let (mut read, problems) = PolicyConfig::from_yaml(&name, &text);
            let base = path.parent().unwrap_or_else(|| Path::new(""));
            policy_paths.extend(read.policies.iter().map(|p| base.join(p)));
            read.policies.clear();
            rule_paths.extend(read.rule_files.iter().map(|p| base.join(p)));
            read.rule_files.clear();
            config_findings.extend(problems);
            config_source = Some((Arc::from(name.as_str()), Arc::from(text.as_str())));
            config = merge(config, read);
        }
        let mut registry = options.registry.clone();
        for path in rule_paths.iter().chain(&options.rule_files) {
            let text = read_config(path, options.max_config_bytes)?;
            let name = path.to_string_lossy().replace('\\', "/");
            let (rules, problems) = crate::custom::load(&name, &text);
            config_findings.extend(problems);
            for rule in rules {
                let id = rule.meta().id.to_string();
                if registry.register_arc(rule).is_err() {
                    config_findings.push(
                        Finding::new(
                            ids::CONFIG_INVALID,
                            Severity::Error,
                            format!("rule `{id}` of {name} is already defined; the first definition is used"),
                        )
                        .with_span(platform_model::Span::file_start(Arc::from(name.as_str()))),
                    );
                }
            }
        }
        config_findings.extend(config.validate(&registry));
        let profile = options.profile.or(config.profile).unwrap_or_default();
        let rules = registry
            .arcs()
            .iter()
            .map(|rule| {
                let meta = rule.meta();
                let (mut enabled, mut severity) = meta.defaults_for(profile);
                let mut overridden = false;
                let mut options = Map::new();
                if let Some(rc) = config.rules.get(meta.id.as_ref()) {
                    if let Some(e) = rc.enabled {
                        enabled = e;
                    }
                    if let Some(s) = rc.severity {
                        severity = s;
                        overridden = true;
                    }
                    options.clone_from(&rc.options);
                }
                Effective {
                    rule: Arc::clone(rule),
                    enabled,
                    severity,
                    overridden,
                    options,
                }
            })
            .collect();
        let mut builder = GlobSetBuilder::new();
        for pattern in config.exclude.iter().chain(&options.exclude) {
            builder.add(Glob::new(pattern).map_err(|e| Error::Glob {
                pattern: pattern.clone(),
                message: e.to_string(),
            })?);
        }
        let exclude = builder.build().map_err(|e| Error::Glob {
            pattern: config.exclude.join(", "),
            message: e.to_string(),
        })?;
        Self {
            profile,
            config,
            rules,
            config_findings,
            config_source,
            exclude,
            gitignore: options.gitignore,
            max_file_bytes: options.max_file_bytes,
            dockerfile_limits: options.dockerfile_limits,
            walk: crate::crossplane::WalkLimits {
                max_depth: options.max_depth,
                max_steps: options.max_schema_steps,
            },
            policy_inputs: Vec::new(),
        }
        .with_policy_paths(policy_paths.iter().chain(&options.policies))
    }

    fn with_policy_paths<'p>(
        mut self,
        paths: impl Iterator<Item = &'p PathBuf>,
    ) -> Result<Self, Error> {
        for path in paths {
            let inputs = self.read_path_named(path, true)?;
            self.policy_inputs.push(inputs);
        }
        Ok(self)
    }

    /// The active profile.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Every rule with whether it is on and its severity.
    #[must_use]
    pub fn rule_summaries(&self) -> Vec<RuleSummary> {
        self.rules
            .iter()
            .map(|e| RuleSummary {
                meta: e.rule.meta().clone(),
                enabled: e.enabled,
                severity: e.severity,
            })
            .collect()
    }

    /// Reads the artefacts under `path` (a directory, walked honouring
    /// `.gitignore`, or one file).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] or [`Error::Io`] when `path` itself
    /// cannot be read.
    pub fn read_path(&self, path: &Path) -> Result<Inputs, Error> {
        self.read_path_named(path, false)
    }

    /// As [`read_path`](Self::read_path); with `as_given`, files are named
    /// by `path` as given followed by their path below it (policy files
    /// given apart from the tree are not relative to it).
    fn read_path_named(&self, path: &Path, as_given: bool) -> Result<Inputs, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let given = path.to_string_lossy().replace('\\', "/");
        let candidates = if meta.is_dir() {
            let mut found = discover(path, self.gitignore, &self.exclude);
            if as_given {
                for c in &mut found {
                    c.display = format!("{}/{}", given.trim_end_matches('/'), c.display);
                }
            }
            found
        } else if as_given {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let hint = match crate::inputs::hint_for(&name) {
                FileHint::Skip => FileHint::Unknown,
                other => other,
            };
            vec![crate::inputs::discover_candidate(
                path.to_path_buf(),
                given,
                hint,
            )]
        } else {
            let name = path.file_name().map_or_else(
                || path.to_string_lossy().into_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            let hint = match crate::inputs::hint_for(&name) {
                FileHint::Skip => FileHint::Unknown,
                other => other,
            };
            vec![crate::inputs::discover_candidate(
                path.to_path_buf(),
                name,
                hint,
            )]
        };
        let max = self.max_file_bytes;
        let limits = self.dockerfile_limits;
        let outcomes: Vec<FileOutcome> = candidates
            .into_par_iter()
            .map(|c| match c.special {
                Some(kind) => FileOutcome::unreadable(
                    Arc::from(c.display.as_str()),
                    format!(
                        "`{}` is {kind}, not a regular file; it was not read",
                        c.display
                    ),
                ),
                None => read_one(&c.path, c.display, c.hint, max, &limits),
            })
            .collect();
        let mut inputs = Inputs::new().with_dockerfile_limits(limits);
        for outcome in outcomes {
            inputs.absorb(outcome);
        }
        Ok(inputs)
    }

    /// Checks the tree (or file) at `path`.
    ///
    /// # Errors
    ///
    /// As [`read_path`](Self::read_path).
    pub fn check_path(&self, path: &Path) -> Result<PolicyReport, Error> {
        let inputs = self.read_path(path)?;
        Ok(self.check_inputs(inputs))
    }

    /// Checks artefacts held in memory.
    #[must_use]
    pub fn check_inputs(&self, mut inputs: Inputs) -> PolicyReport {
        inputs.apply_kustomizations();
        let index = Index::build(&inputs);
        let joins = Joins::new(&inputs, &index);
        let effective: HashMap<&str, &Effective> = self
            .rules
            .iter()
            .map(|e| (e.rule.meta().id.as_ref(), e))
            .collect();
        let mut findings: Vec<Finding> = self
            .rules
            .par_iter()
            .filter(|e| e.enabled)
            .flat_map_iter(|e| {
                let cx = RuleContext {
                    inputs: &inputs,
                    joins: &joins,
                    meta: e.rule.meta(),
                    severity: e.severity,
                    overridden: e.overridden,
                    profile: self.profile,
                    options: &e.options,
                    walk: self.walk,
                };
                e.rule.check(&cx)
            })
            .collect();
        let mut engine_findings: Vec<Finding> = self.config_findings.clone();
        engine_findings.extend(inputs.findings.iter().cloned());
        for extra in &self.policy_inputs {
            engine_findings.extend(extra.findings.iter().cloned());
        }
        let (admission_problems, admission_findings): (Vec<Finding>, Vec<Finding>) =
            crate::admission::evaluate(&inputs, &self.policy_inputs)
                .into_iter()
                .partition(|f| f.diagnostic.code == ids::ADMISSION_POLICY);
        engine_findings.extend(admission_problems);
        for &i in joins.unknown_kinds() {
            let m = &inputs.manifests()[i];
            engine_findings.push(
                Finding::new(
                    ids::INPUT_UNKNOWN_KIND,
                    Severity::Info,
                    format!(
                        "kind `{}` of `{}` is not known; the object was skipped",
                        m.kind, m.api_version
                    ),
                )
                .with_span(m.location.span("/kind"))
                .with_path("/kind")
                .with_artefact(ArtefactId::new(ArtefactKind::Manifest, i), m.describe()),
            );
        }
        let mut known: HashSet<String> = self
            .rules
            .iter()
            .map(|e| e.rule.meta().id.to_string())
            .collect();
        known.extend(
            admission_findings
                .iter()
                .map(|f| f.diagnostic.code.to_string()),
        );
        let mut exemption_problems = Vec::new();
        // Attribute findings to Components and apply the lifecycle ladder.
        let ladder = effective
            .get(ids::PROD_REQUIRES_RESTRICTED)
            .is_some_and(|e| e.enabled);
        for f in &mut findings {
            let Some(c) = f.artefact_id.and_then(|id| joins.component_of(id)) else {
                continue;
            };
            let Some(info) = joins.components().get(c) else {
                continue;
            };
            f.component = Some(info.reference.clone());
            if !ladder {
                continue;
            }
            match (f.pss, info.lifecycle.as_deref()) {
                (Some(_), Some("production")) if f.diagnostic.severity < Severity::Error => {
                    f.diagnostic.severity = Severity::Error;
                    f.diagnostic.notes.push(format!(
                        "raised to error: {} is in production ({})",
                        info.reference,
                        ids::PROD_REQUIRES_RESTRICTED
                    ));
                }
                (Some(PssLevel::Restricted), Some("experimental"))
                    if f.diagnostic.severity > Severity::Info =>
                {
                    f.diagnostic.severity = Severity::Info;
                    f.diagnostic.notes.push(format!(
                        "lowered to a note: {} is experimental ({})",
                        info.reference,
                        ids::PROD_REQUIRES_RESTRICTED
                    ));
                }
                _ => {}
            }
        }
        findings.extend(engine_findings.into_iter().filter_map(|f| {
            let e = effective.get(f.diagnostic.code.as_ref())?;
            e.enabled.then(|| {
                let severity = if e.overridden {
                    e.severity
                } else {
                    f.diagnostic.severity
                };
                f.with_severity(severity)
            })
        }));
        findings.extend(admission_findings);
        exemption_problems.extend(crate::suppress::apply(&inputs, &known, &mut findings));
        if let Some(e) = effective.get(ids::POLICY_EXEMPTION).filter(|e| e.enabled) {
            findings.extend(exemption_problems.into_iter().map(|f| {
                if e.overridden {
                    f.with_severity(e.severity)
                } else {
                    f
                }
            }));
        }
        findings.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        findings.dedup();
        let enabled: HashSet<String> = self
            .rules
            .iter()
            .filter(|e| e.enabled)
            .map(|e| e.rule.meta().id.to_string())
            .collect();
        let components: Vec<(String, String)> = joins
            .components()
            .iter()
            .map(|c| {
                (
                    c.reference.clone(),
                    inputs.entities()[c.entity].location.file.to_string(),
                )
            })
            .collect();
        let scorecards =
            scorecard::compute(&components, &findings, &enabled, &self.config.scorecard);
        let mut sources: HashMap<Arc<str>, Arc<str>> = HashMap::new();
        for f in &findings {
            if let Some(span) = &f.diagnostic.span
                && !sources.contains_key(&span.file)
            {
                if let Some(text) = inputs.source_arc(&span.file).or_else(|| {
                    self.policy_inputs
                        .iter()
                        .find_map(|p| p.source_arc(&span.file))
                }) {
                    sources.insert(Arc::clone(&span.file), text);
                } else if let Some((name, text)) = &self.config_source
                    && *name == span.file
                {
                    sources.insert(Arc::clone(name), Arc::clone(text));
                }
            }
        }
        let summary = Summary::new(&inputs, &findings, self.profile);
        PolicyReport {
            findings,
            scorecards,
            summary,
            rules: self.rule_summaries(),
            sources,
        }
    }
}

fn sort_key(f: &Finding) -> (u8, &str, u32, u32, &str, &str) {
    match &f.diagnostic.span {
        Some(s) => (
            1,
            &s.file,
            s.line,
            s.column,
            f.diagnostic.code.as_ref(),
            f.diagnostic.message.as_str(),
        ),
        None => (
            0,
            "",
            0,
            0,
            f.diagnostic.code.as_ref(),
            f.diagnostic.message.as_str(),
        ),
    }
}

/// Settings in `file` win over those built in code.
fn merge(mut base: PolicyConfig, file: PolicyConfig) -> PolicyConfig {
    if file.profile.is_some() {
        base.profile = file.profile;
    }
    base.rules.extend(file.rules);
    base.exclude.extend(file.exclude);
    base.policies.extend(file.policies);
    base.rule_files.extend(file.rule_files);
    if file.scorecard.bronze.is_some() {
        base.scorecard.bronze = file.scorecard.bronze;
    }
    if file.scorecard.silver.is_some() {
        base.scorecard.silver = file.scorecard.silver;
    }
    if file.scorecard.gold.is_some() {
        base.scorecard.gold = file.scorecard.gold;
    }
    base.file = file.file;
    base
}

fn read_one(
    path: &Path,
    display: String,
    hint: FileHint,
    max: usize,
    limits: &DockerfileLimits,
) -> FileOutcome {
    let name: Arc<str> = Arc::from(display.as_str());
    let bytes = match read_limited(path, max) {
        Ok(b) => b,
        // Extension-less files are read only to sniff them: one that cannot
        // be read was most likely no artefact (special files are reported).
        Err(ReadError::Io(_) | ReadError::TooLarge(_)) if hint == FileHint::Unknown => {
            return FileOutcome::default();
        }
        Err(reason) => {
            return FileOutcome::unreadable(name, format!("cannot read `{display}`: {reason}"));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => classify(name, Arc::from(text), hint, limits),
        Err(_) if hint == FileHint::Unknown || hint == FileHint::Json => FileOutcome::default(),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let mut outcome = FileOutcome::unreadable(
                Arc::clone(&name),
                format!("`{display}` is not UTF-8 text"),
            );
            if let Some(f) = outcome_first(&mut outcome) {
                f.diagnostic.span = Some(Span::from_offsets(name, &prefix, at, at));
            }
            outcome
        }
    }
}

fn outcome_first(outcome: &mut FileOutcome) -> Option<&mut Finding> {
    outcome.first_finding()
}

/// Reads the configuration file: a regular file of at most `max` bytes of
/// UTF-8.
fn read_config(path: &Path, max: usize) -> Result<String, Error> {
    let bytes = read_limited(path, max).map_err(|e| match e {
        ReadError::NotRegular(kind) => Error::NotRegular {
            path: path.to_path_buf(),
            kind,
        },
        ReadError::TooLarge(limit) => Error::TooLarge {
            path: path.to_path_buf(),
            limit,
        },
        ReadError::Io(source) => Error::io(path, source),
        other => Error::io(path, std::io::Error::other(other.to_string())),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        )
    })
}

/// Checks the tree (or file) at `path` with `options`.
///
/// # Errors
///
/// As [`Checker::new`] and [`Checker::check_path`].
pub fn check_path(path: &Path, options: &CheckOptions) -> Result<PolicyReport, Error> {
    Checker::new(options)?.check_path(path)
}

/// Checks files held in memory: `(path, text)` pairs, classified by name
/// and content as in a directory walk.
///
/// # Errors
///
/// As [`Checker::new`].
pub fn check_sources<I, P, T>(sources: I, options: &CheckOptions) -> Result<PolicyReport, Error>
where
    I: IntoIterator<Item = (P, T)>,
    P: Into<Arc<str>>,
    T: Into<Arc<str>>,
{
    let checker = Checker::new(options)?;
    let mut inputs = Inputs::new().with_dockerfile_limits(options.dockerfile_limits);
    for (path, text) in sources {
        inputs.add_source(path, text);
    }
    Ok(checker.check_inputs(inputs))
}
