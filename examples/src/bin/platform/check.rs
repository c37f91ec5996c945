//! `platform check`: catalog validation, graph problems and golden-path
//! policy over one tree, in one report.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_model::validate::ValidationMode;
use platform_model::{Diagnostic, Severity};
use platform_policy::{CheckOptions, Finding, PolicyReport, TextOptions};

use crate::term::{Painter, emit, print_json};
use crate::{CheckFormat, input, load_all};

pub(crate) struct CheckArgs {
    pub(crate) path: PathBuf,
    pub(crate) profile: Option<String>,
    pub(crate) config: Option<PathBuf>,
    pub(crate) format: CheckFormat,
    pub(crate) min_severity: String,
}

fn finding(d: &Diagnostic) -> Finding {
    let mut f = Finding::new(d.code.to_string(), d.severity, d.message.clone());
    if let Some(span) = &d.span {
        f = f.with_span(span.clone());
    }
    if let Some(path) = &d.path {
        f = f.with_path(path.clone());
    }
    for note in &d.notes {
        f = f.with_note(note.clone());
    }
    f
}

pub(crate) fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let threshold = platform_policy::parse_severity(&args.min_severity).ok_or_else(|| {
        format!(
            "--min-severity `{}`: use error, warning or info",
            args.min_severity
        )
    })?;
    let mut options = CheckOptions::new();
    if let Some(profile) = &args.profile {
        options = options.with_profile(
            profile
                .parse()
                .map_err(|e: String| format!("--profile: {e}"))?,
        );
    }
    if let Some(config) = &args.config {
        // Checked here, before platform-policy opens it: a FIFO or a device
        // (`/dev/zero`) is refused instead of blocking or filling memory.
        input::check_regular_file("--config", config)?;
        options = options.with_config_file(config);
    }
    input::check_tree_argument(&args.path)?;
    let policy = platform_policy::check_path(&args.path, &options).map_err(|e| e.to_string())?;
    let catalogs = load_all(std::slice::from_ref(&args.path), ValidationMode::Full)?;
    // Policy reports unreadable YAML of every file (`input.yaml`); the
    // catalog's own YAML diagnostics would repeat them.
    let yaml_reported: HashSet<String> = policy
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("input."))
        .filter_map(|f| f.file().map(str::to_owned))
        .collect();
    let repeated = |d: &Diagnostic| {
        d.code.starts_with("yaml.")
            && d.span
                .as_ref()
                .is_some_and(|s| yaml_reported.contains(s.file.as_ref()))
    };
    let mut extra: Vec<(Diagnostic, usize)> = Vec::new();
    for (index, catalog) in catalogs.iter().enumerate() {
        for d in catalog.diagnostics().filter(|d| !repeated(d)) {
            extra.push((d.clone(), index));
        }
        let graph = platform_graph::CatalogGraph::from_catalog(catalog);
        for problem in graph.problems() {
            extra.push((problem.to_diagnostic(), index));
        }
    }
    let mut merged: PolicyReport = policy.clone();
    merged
        .findings
        .extend(extra.iter().map(|(d, _)| finding(d)));
    merged.findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            f.span
                .as_ref()
                .map(|s| (s.file.to_string(), s.line, s.column))
        };
        key(a).cmp(&key(b)).then_with(|| a.rule.cmp(&b.rule))
    });
    for (d, _) in &extra {
        merged.summary.findings += 1;
        match d.severity {
            Severity::Error => merged.summary.errors += 1,
            Severity::Warning => merged.summary.warnings += 1,
            Severity::Info => merged.summary.infos += 1,
        }
    }
    let failed = merged.fails_at(threshold);
    match args.format {
        CheckFormat::Json => {
            let mut json = merged.to_json();
            if let Some(summary) = json
                .get_mut("summary")
                .and_then(serde_json::Value::as_object_mut)
            {
                let entities: usize = catalogs.iter().map(|c| c.summary().valid).sum();
                summary.insert("entities".into(), serde_json::json!(entities));
            }
            print_json(&json)?;
        }
        CheckFormat::Sarif => print_json(&merged.to_sarif())?,
        CheckFormat::Text => {
            let color = std::io::stdout().is_terminal();
            let mut painter = Painter::new(color);
            for (d, index) in &extra {
                let source = d
                    .span
                    .as_ref()
                    .and_then(|s| catalogs[*index].source(&s.file));
                emit(&format!("{}\n", painter.render(d, source)))?;
            }
            let text = policy.render_text(&TextOptions::default().with_color(color));
            emit(text.trim_end())?;
            if extra.is_empty() {
                return Ok(if failed {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                });
            }
            let s = &merged.summary;
            let cards: Vec<String> = merged
                .scorecards
                .iter()
                .map(|c| format!("{} {}", c.component, c.level.as_str()))
                .collect();
            emit(&format!(
                "{} {} findings ({} errors, {} warnings, {} notes, {} suppressed); scorecards: {}",
                if failed { "failed:" } else { "ok:" },
                s.findings,
                s.errors,
                s.warnings,
                s.infos,
                s.suppressed,
                if cards.is_empty() {
                    "none".to_owned()
                } else {
                    cards.join(", ")
                }
            ))?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
