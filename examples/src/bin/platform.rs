//! `platform`: the command line that composes the workspace's crates.
//!
//! Run `platform --help` for the commands. Exit codes: 0 when everything is
//! valid, 1 when something is invalid (or a finding reaches the threshold),
//! 2 on usage or I/O errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use platform_model::loader::{Catalog, LoadOptions, Loader};
use platform_model::render::{RenderOptions, render};
use platform_model::report::ValidationReport;
use platform_model::synthetic::SyntheticOrg;
use platform_model::validate::{ValidationMode, Validator};
use platform_model::{Diagnostic, Severity};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "platform",
    version,
    about = "Backstage-compatible catalog, graph, templates and golden-path checks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate catalog files with Backstage's rules.
    Validate {
        /// Files or directories (a file's Locations are followed).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Report every problem, not only the first per entity.
        #[arg(long)]
        all_errors: bool,
    },
    /// Run every check over a tree and report findings.
    Check {
        /// A file or directory.
        path: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a synthetic organisation of N entities.
    Generate {
        /// Number of entities.
        #[arg(long)]
        entities: usize,
        /// Output directory (created).
        #[arg(long)]
        out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the JSON Schema of catalog entities (for yaml-language-server).
    Schema {
        /// One kind (`Component`, `API`, …); all kinds when absent.
        #[arg(long)]
        kind: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate {
            paths,
            format,
            all_errors,
        } => validate(&paths, format, all_errors),
        Command::Check { path, format } => check(&path, format),
        Command::Generate {
            entities,
            out,
            seed,
        } => generate(entities, &out, seed),
        Command::Schema { kind } => schema(kind.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::from(2)
        }
    }
}

fn loader(mode: ValidationMode) -> Result<Loader, String> {
    let validator = Validator::builder().mode(mode).build();
    Loader::new(LoadOptions::default().with_validator(validator)).map_err(|e| e.to_string())
}

fn load_all(paths: &[PathBuf], mode: ValidationMode) -> Result<Vec<Catalog>, String> {
    let loader = loader(mode)?;
    paths
        .iter()
        .map(|p| loader.load(p).map_err(|e| e.to_string()))
        .collect()
}

fn print_diagnostics(
    catalogs: &[Catalog],
    filter: impl Fn(&Diagnostic) -> bool,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let options = RenderOptions::default()
        .with_color(stdout.is_terminal())
        .with_unicode(stdout.is_terminal());
    let mut out = stdout.lock();
    for catalog in catalogs {
        for diagnostic in catalog.diagnostics().filter(|d| filter(d)) {
            let source = diagnostic
                .span
                .as_ref()
                .and_then(|s| catalog.source(&s.file));
            match writeln!(out, "{}\n", render(diagnostic, source, &options)) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                other => other?,
            }
        }
    }
    Ok(())
}

fn validate(paths: &[PathBuf], format: Format, all_errors: bool) -> Result<ExitCode, String> {
    let mode = if all_errors {
        ValidationMode::Full
    } else {
        ValidationMode::Backstage
    };
    let catalogs = load_all(paths, mode)?;
    let mut report = ValidationReport::default();
    for catalog in &catalogs {
        report.extend(catalog);
    }
    match format {
        Format::Json => print_json(&report)?,
        Format::Text => {
            print_diagnostics(&catalogs, |d| d.severity >= Severity::Warning)
                .map_err(|e| e.to_string())?;
            let s = &report.summary;
            emit(&format!(
                "{} {} documents in {} files: {} valid, {} invalid ({} errors, {} warnings, {} relations)",
                if report.is_valid() { "ok:" } else { "failed:" },
                s.documents,
                s.files,
                s.valid,
                s.invalid,
                s.errors,
                s.warnings,
                s.relations
            ))?;
        }
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One finding of `platform check --format json`.
#[derive(Serialize)]
struct Finding {
    rule: String,
    severity: Severity,
    message: String,
    file: String,
    line: u32,
    column: u32,
    suppressed: bool,
}

#[derive(Serialize, Default)]
struct CheckSummary {
    files: usize,
    entities: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct CheckReport {
    findings: Vec<Finding>,
    scorecards: Vec<serde_json::Value>,
    summary: CheckSummary,
}

fn check(path: &Path, format: Format) -> Result<ExitCode, String> {
    let catalogs = load_all(&[path.to_path_buf()], ValidationMode::Full)?;
    let mut findings = Vec::new();
    let mut summary = CheckSummary::default();
    for catalog in &catalogs {
        let s = catalog.summary();
        summary.files += s.files;
        summary.entities += s.valid;
        for d in catalog.diagnostics() {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
            let (file, line, column) = d.span.as_ref().map_or((String::new(), 1, 1), |s| {
                (s.file.to_string(), s.line, s.column)
            });
            findings.push(Finding {
                rule: d.code.to_string(),
                severity: d.severity,
                message: d.message.clone(),
                file,
                line,
                column,
                suppressed: false,
            });
        }
    }
    let failed = summary.errors > 0;
    match format {
        Format::Json => print_json(&CheckReport {
            findings,
            scorecards: Vec::new(),
            summary,
        })?,
        Format::Text => {
            print_diagnostics(&catalogs, |_| true).map_err(|e| e.to_string())?;
            emit(&format!(
                "{} {} entities in {} files: {} errors, {} warnings, {} notes",
                if failed { "failed:" } else { "ok:" },
                summary.entities,
                summary.files,
                summary.errors,
                summary.warnings,
                summary.infos
            ))?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn generate(entities: usize, out: &Path, seed: u64) -> Result<ExitCode, String> {
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| e.to_string())?
            .next()
            .is_some()
    {
        return Err(format!("{} exists and is not empty", out.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let files = SyntheticOrg::new(entities)
        .seed(seed)
        .write_to(out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    emit(&format!(
        "wrote {entities} entities in {files} files to {}",
        out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn schema(kind: Option<&str>) -> Result<ExitCode, String> {
    let value = match kind {
        Some(kind) => platform_model::schema::kind_schema(kind)
            .ok_or_else(|| format!("unknown kind `{kind}`"))?,
        None => platform_model::schema::catalog_schema(),
    };
    print_json(&value)?;
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &impl Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    emit(&text)
}

/// Writes a line to stdout; a closed pipe (`platform … | head`) is not an error.
fn emit(text: &str) -> Result<(), String> {
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}
