//! `platform metrics`: DORA's four keys rolled up through the catalog, and
//! developer NPS from a survey.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use platform_graph::CatalogGraph;
use platform_graph::dora::{
    Deployment, DoraOptions, GitRepository, Incident, Level, Read, Thresholds, Timestamp,
    commits_from_source, parse_bound, read_deployments, read_incidents,
};
use platform_model::Diagnostic;
use platform_model::validate::ValidationMode;

use crate::term::{Painter, emit, emit_err, print_json};
use crate::{Format, IngestArgs, input, load_all, report_catalog_errors};

/// `platform metrics` subcommands.
#[derive(Subcommand)]
pub(crate) enum MetricsCommand {
    /// DORA's four keys per entity, system, domain and group.
    Dora(Box<DoraArgs>),
    /// Developer Net Promoter Score from a survey CSV.
    Nps(NpsArgs),
}

/// A level of `--by`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum By {
    Entity,
    System,
    Domain,
    Group,
}

/// `platform metrics dora`'s arguments.
#[derive(Args)]
pub(crate) struct DoraArgs {
    /// The catalog: a file or directory.
    path: PathBuf,
    #[command(flatten)]
    ingest: IngestArgs,
    /// Deployments: CSV, JSON or YAML rows, Argo CD Applications, or
    /// GitHub deployments with statuses (repeatable).
    #[arg(long = "deployments", value_name = "FILE", required = true)]
    deployments: Vec<PathBuf>,
    /// Incidents: CSV, JSON or YAML rows (repeatable).
    #[arg(long = "incidents", value_name = "FILE")]
    incidents: Vec<PathBuf>,
    /// A git repository the deployed commits are read from, for lead times.
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
    /// Start of the window (a date or RFC 3339 time; default: 30 days
    /// before --until).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// End of the window, exclusive (default: now).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// The environment measured.
    #[arg(long, default_value = "production")]
    environment: String,
    /// Band limits overriding the defaults (YAML).
    #[arg(long, value_name = "FILE")]
    thresholds: Option<PathBuf>,
    /// Levels reported (repeatable; default all).
    #[arg(long, value_enum)]
    by: Vec<By>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// `platform metrics nps`'s arguments.
#[derive(Args)]
pub(crate) struct NpsArgs {
    /// The survey: CSV with a header, one row a response.
    survey: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn metrics(command: &MetricsCommand) -> Result<ExitCode, String> {
    match command {
        MetricsCommand::Dora(args) => dora(args),
        MetricsCommand::Nps(args) => nps(args),
    }
}

fn display_name(file: &Path) -> String {
    file.display().to_string()
}

/// Prints diagnostics on stderr with their snippets; returns how many are errors.
fn report(diagnostics: &[Diagnostic], sources: &HashMap<String, String>) -> usize {
    let mut painter = Painter::new(std::io::stderr().is_terminal());
    for d in diagnostics {
        let source = d
            .span
            .as_ref()
            .and_then(|s| sources.get(s.file.as_ref()))
            .map(String::as_str);
        emit_err(&format!("{}\n", painter.render(d, source)));
    }
    diagnostics.iter().filter(|d| d.is_error()).count()
}

fn window(args: &DoraArgs) -> Result<(Timestamp, Timestamp), String> {
    let until = match &args.until {
        Some(text) => parse_bound(text).map_err(|e| format!("--until: {e}"))?,
        None => Timestamp::now(),
    };
    let since = match &args.since {
        Some(text) => parse_bound(text).map_err(|e| format!("--since: {e}"))?,
        None => until
            .checked_sub(jiff::SignedDuration::from_hours(30 * 24))
            .map_err(|e| format!("--until: {e}"))?,
    };
    if until <= since {
        return Err(format!("--since {since} is not before --until {until}"));
    }
    Ok((since, until))
}

fn dora(args: &DoraArgs) -> Result<ExitCode, String> {
    let (since, until) = window(args)?;
    // Every file is read before anything is printed: an unreadable one is
    // a usage error (exit 2) with nothing on stdout.
    let mut sources: HashMap<String, String> = HashMap::new();
    let mut read_all = |files: &[PathBuf], what: &str| -> Result<Vec<(String, String)>, String> {
        files
            .iter()
            .map(|f| {
                let text = input::read_text(what, f)?;
                let name = display_name(f);
                sources.insert(name.clone(), text.clone());
                Ok((name, text))
            })
            .collect()
    };
    let deployment_files = read_all(&args.deployments, "--deployments")?;
    let incident_files = read_all(&args.incidents, "--incidents")?;
    let thresholds = match &args.thresholds {
        Some(file) => {
            let text = input::read_text("--thresholds", file)?;
            let name = display_name(file);
            match Thresholds::from_yaml(&name, &text) {
                Ok(t) => t,
                Err(problems) => {
                    sources.insert(name, text);
                    report(&problems, &sources);
                    return Err("--thresholds: the file has problems (above)".to_owned());
                }
            }
        }
        None => Thresholds::default(),
    };
    if let Some(repo) = &args.repo
        && !repo.is_dir()
    {
        return Err(format!("--repo {}: not a directory", repo.display()));
    }
    let catalog = load_all(
        std::slice::from_ref(&args.path),
        &args.ingest,
        ValidationMode::Backstage,
    )?
    .into_iter()
    .next()
    .unwrap_or_default();
    let catalog_failed = report_catalog_errors(&catalog) > 0;
    let graph = CatalogGraph::from_catalog(&catalog);

    let mut deployments: Read<Deployment> = Read::default();
    for (name, text) in &deployment_files {
        deployments.extend(read_deployments(name, text));
    }
    let mut incidents: Read<Incident> = Read::default();
    for (name, text) in &incident_files {
        incidents.extend(read_incidents(name, text));
    }
    let mut diagnostics = std::mem::take(&mut deployments.diagnostics);
    diagnostics.append(&mut incidents.diagnostics);
    if let Some(repo) = &args.repo {
        let (problems, _removed) =
            commits_from_source(&mut deployments.items, &mut GitRepository::new(repo));
        diagnostics.extend(problems);
    }
    let options = DoraOptions::new(since, until)
        .with_environment(args.environment.clone())
        .with_thresholds(thresholds);
    let mut result = graph
        .dora(&deployments.items, &incidents.items, &options)
        .map_err(|e| e.to_string())?;
    diagnostics.append(&mut result.diagnostics);
    let errors = report(&diagnostics, &sources);
    let levels: Vec<Level> = if args.by.is_empty() {
        Level::ALL.to_vec()
    } else {
        args.by
            .iter()
            .map(|b| match b {
                By::Entity => Level::Entity,
                By::System => Level::System,
                By::Domain => Level::Domain,
                By::Group => Level::Group,
            })
            .collect()
    };
    result.retain_levels(&levels);
    match args.format {
        Format::Json => print_json(&result)?,
        Format::Text => emit(result.to_text(&levels).trim_end())?,
    }
    if errors > 0 {
        emit_err(&format!(
            "{errors} event{} left out (above)",
            if errors == 1 { "" } else { "s" }
        ));
    }
    Ok(if errors > 0 || catalog_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn nps(args: &NpsArgs) -> Result<ExitCode, String> {
    let text = input::read_text("survey", &args.survey)?;
    let name = display_name(&args.survey);
    let survey = platform_graph::nps::survey_nps(&name, &text);
    let sources = HashMap::from([(name, text)]);
    let errors = report(&survey.diagnostics, &sources);
    match args.format {
        Format::Json => print_json(&survey)?,
        Format::Text => emit(&survey.to_text())?,
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
