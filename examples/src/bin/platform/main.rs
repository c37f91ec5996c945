//! `platform`: the command line that composes the workspace's crates.
//!
//! Run `platform --help` for the commands. Exit codes: 0 when everything is
//! valid, 1 when something is invalid (or a finding reaches the threshold),
//! 2 on usage or I/O errors.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use platform_model::loader::{Catalog, LoadOptions, Loader};
use platform_model::report::ValidationReport;
use platform_model::synthetic::SyntheticOrg;
use platform_model::validate::{ValidationMode, Validator};
use platform_model::{Diagnostic, Severity};
use serde::Serialize;

mod check;
mod input;
mod scaffold;
mod term;

use term::{Painter, emit, emit_err, print_json};

#[derive(Parser)]
#[command(
    name = "platform",
    version,
    about = "Backstage-compatible catalog, graph, templates and golden-path checks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Largest file the CLI reads itself (--values, --costs, --config,
    /// template files), in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = input::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: u64,
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
    /// Run every check over a tree (catalog validation, graph problems,
    /// golden-path policy) and report findings and scorecards.
    Check {
        /// A file or directory.
        path: PathBuf,
        /// Policy profile: baseline, restricted or strict (default: the
        /// configuration file's, else restricted).
        #[arg(long)]
        profile: Option<String>,
        /// Policy configuration file (YAML).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Exit 1 when an unsuppressed finding is at or above this severity
        /// (error, warning, info/note).
        #[arg(long, default_value = "error")]
        min_severity: String,
    },
    /// Run a software template (scaffolder.backstage.io/v1beta3).
    Scaffold(scaffold::ScaffoldArgs),
    /// Work with software templates.
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// Ask the catalog graph: impact, ownership, cycles, problems, costs, exports.
    Graph {
        /// A file or directory.
        path: PathBuf,
        /// What breaks if this entity fails (repeatable).
        #[arg(long = "impact", value_name = "REF")]
        impact: Vec<String>,
        /// Everything this group or user owns, through sub-groups.
        #[arg(long, value_name = "REF")]
        owned_by: Option<String>,
        /// Cycles in dependsOn, subcomponentOf, group parents and subdomainOf.
        #[arg(long)]
        cycles: bool,
        /// Dangling references, orphans, empty groups, unused APIs, cycles.
        #[arg(long)]
        problems: bool,
        /// Attribute costs from a CSV, JSON or OpenCost allocation file.
        #[arg(long, value_name = "FILE")]
        costs: Option<PathBuf>,
        /// How a shared resource's cost is split among its dependents.
        #[arg(long, value_enum, default_value_t = Split::Even)]
        split: Split,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
        /// Longest path (--impact) or group chain (--owned-by) written out
        /// in full, in entries; longer ones keep the first entry, `…` and
        /// the last ones.
        #[arg(long, value_name = "N", default_value_t = platform_graph::ReportOptions::DEFAULT_MAX_PATH_LEN)]
        max_path_len: usize,
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

#[derive(Subcommand)]
enum TemplateCommand {
    /// Check a template without running it.
    Lint(scaffold::LintArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Split {
    Even,
    Weighted,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    input::set_max_input_bytes(cli.max_input_bytes);
    let result = match cli.command {
        Command::Validate {
            paths,
            format,
            all_errors,
        } => validate(&paths, format, all_errors),
        Command::Check {
            path,
            profile,
            config,
            format,
            min_severity,
        } => check::check(&check::CheckArgs {
            path,
            profile,
            config,
            format,
            min_severity,
        }),
        Command::Scaffold(args) => scaffold::scaffold(&args),
        Command::Template {
            command: TemplateCommand::Lint(args),
        } => scaffold::lint(&args),
        Command::Graph {
            path,
            impact,
            owned_by,
            cycles,
            problems,
            costs,
            split,
            format,
            max_path_len,
        } => graph(&GraphArgs {
            path,
            impact,
            owned_by,
            cycles,
            problems,
            costs,
            split,
            format,
            max_path_len,
        }),
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
            emit_err(&format!("error: {message}"));
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
        .map(|p| {
            input::check_tree_argument(p)?;
            loader.load(p).map_err(|e| e.to_string())
        })
        .collect()
}

fn print_diagnostics(
    catalogs: &[Catalog],
    filter: impl Fn(&Diagnostic) -> bool,
) -> std::io::Result<()> {
    let mut painter = Painter::new(std::io::stdout().is_terminal());
    for catalog in catalogs {
        for diagnostic in catalog.diagnostics().filter(|d| filter(d)) {
            let source = diagnostic
                .span
                .as_ref()
                .and_then(|s| catalog.source(&s.file));
            emit(&format!("{}\n", painter.render(diagnostic, source)))
                .map_err(std::io::Error::other)?;
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

struct GraphArgs {
    path: PathBuf,
    impact: Vec<String>,
    owned_by: Option<String>,
    cycles: bool,
    problems: bool,
    costs: Option<PathBuf>,
    split: Split,
    format: GraphFormat,
    max_path_len: usize,
}

/// The answers of `platform graph --format json`, in the order the README
/// documents; each question adds its key. Serialized as it is printed:
/// no intermediate JSON values.
#[derive(Default, Serialize)]
struct GraphAnswers {
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<Vec<platform_graph::PathReport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owned: Option<Vec<platform_graph::OwnedReport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cycles: Option<Vec<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Vec<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    costs: Option<platform_graph::cost::CostReport>,
}

/// Prints the catalog's errors (YAML that does not parse, unreadable
/// files, invalid entities: everything left out of the graph) on stderr,
/// rustc-style, and returns how many there were.
fn report_catalog_errors(catalog: &Catalog) -> usize {
    let mut painter = Painter::new(std::io::stderr().is_terminal());
    let mut count = 0;
    for d in catalog.diagnostics().filter(|d| d.is_error()) {
        let source = d.span.as_ref().and_then(|s| catalog.source(&s.file));
        emit_err(&format!("{}\n", painter.render(d, source)));
        count += 1;
    }
    if count > 0 {
        emit_err(&format!(
            "failed: {count} error{} in the catalog; what they concern is left out of the graph",
            if count == 1 { "" } else { "s" }
        ));
    }
    count
}

fn graph(args: &GraphArgs) -> Result<ExitCode, String> {
    use platform_graph::cost::{CostOptions, SplitRule, parse_costs};
    use platform_graph::{CatalogGraph, OwnedBy, ReportOptions};

    input::check_tree_argument(&args.path)?;
    let catalog = loader(ValidationMode::Backstage)?
        .load(&args.path)
        .map_err(|e| e.to_string())?;
    // Read before anything is printed: an unreadable cost file is a usage
    // error (exit 2) with nothing on stdout.
    let cost_text = match &args.costs {
        Some(file) => Some(input::read_text("--costs", file)?),
        None => None,
    };
    let mut failed = report_catalog_errors(&catalog) > 0;
    let exit = |failed: bool| {
        if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    };
    let graph = CatalogGraph::from_catalog(&catalog);
    match args.format {
        GraphFormat::Dot => return emit(graph.to_dot().trim_end()).map(|()| exit(failed)),
        GraphFormat::Mermaid => {
            return emit(graph.to_mermaid().trim_end()).map(|()| exit(failed));
        }
        GraphFormat::Json | GraphFormat::Text => {}
    }
    let text_mode = args.format == GraphFormat::Text;
    let reports = ReportOptions::new().with_max_path_len(args.max_path_len);
    let asked = !args.impact.is_empty()
        || args.owned_by.is_some()
        || args.cycles
        || args.problems
        || args.costs.is_some();
    let mut answers = GraphAnswers::default();
    let mut text = String::new();
    if !args.impact.is_empty() {
        let roots = args
            .impact
            .iter()
            .map(|r| graph.resolve(r).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let impact = graph.impact(&roots).report_with(&graph, &reports);
        if text_mode {
            for hit in &impact {
                text.push_str(&format!(
                    "{:>3}  {:<50} via {}\n",
                    hit.depth,
                    hit.entity,
                    hit.path.join(" -> ")
                ));
            }
        }
        answers.impact = Some(impact);
    }
    if let Some(owner) = &args.owned_by {
        let owner = graph.resolve(owner).map_err(|e| e.to_string())?;
        let owned = graph
            .owned_by(owner, &OwnedBy::default())
            .map_err(|e| e.to_string())?;
        let owned = graph.owned_report_with(&owned, &reports);
        if text_mode {
            for o in &owned {
                text.push_str(&format!("{:<50} via {}\n", o.entity, o.via.join(" -> ")));
            }
        }
        answers.owned = Some(owned);
    }
    if args.cycles {
        let cycles: Vec<serde_json::Value> = graph
            .cycles()
            .iter()
            .map(|c| {
                let members: Vec<String> = c
                    .members
                    .iter()
                    .map(|&m| graph.entity_ref(m).to_string())
                    .collect();
                if text_mode {
                    text.push_str(&format!(
                        "{} cycle: {}\n",
                        c.kind.as_str(),
                        members.join(" -> ")
                    ));
                }
                serde_json::json!({"kind": c.kind, "members": members})
            })
            .collect();
        if cycles.is_empty() {
            text.push_str("no cycles\n");
        }
        answers.cycles = Some(cycles);
    }
    if args.problems {
        let problems = graph.problems();
        failed |= problems
            .iter()
            .any(|p| p.kind.severity() == Severity::Error);
        let diagnostics: Vec<Diagnostic> = problems
            .iter()
            .map(platform_graph::GraphProblem::to_diagnostic)
            .collect();
        if text_mode {
            let mut painter = Painter::plain();
            for d in &diagnostics {
                let source = d.span.as_ref().and_then(|s| catalog.source(&s.file));
                text.push_str(&painter.render(d, source));
                text.push_str("\n\n");
            }
            text.push_str(&format!("{} problems\n", diagnostics.len()));
        }
        let findings: Vec<serde_json::Value> = diagnostics
            .iter()
            .map(|d| {
                let (file, line, column) = d.span.as_ref().map_or((String::new(), 1, 1), |s| {
                    (s.file.to_string(), s.line, s.column)
                });
                serde_json::json!({"rule": d.code, "severity": d.severity, "message": d.message,
                    "file": file, "line": line, "column": column, "path": d.path})
            })
            .collect();
        answers.problems = Some(findings);
    }
    if let (Some(file), Some(content)) = (&args.costs, &cost_text) {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let items = parse_costs(&name, content).map_err(|e| e.to_string())?;
        let split = match args.split {
            Split::Even => SplitRule::Even,
            Split::Weighted => SplitRule::Weighted,
        };
        let costs = graph.attribute_costs(&items, &CostOptions::default().split(split));
        if text_mode {
            text.push_str(&format!(
                "total {:.2}, unallocated {:.2}, unowned {:.2}\n",
                costs.total, costs.unallocated_total, costs.unowned_total
            ));
            for g in &costs.groups {
                text.push_str(&format!(
                    "  {:<45} own {:>12.2}  total {:>12.2}\n",
                    g.entity, g.own, g.total
                ));
            }
            for s in costs.systems.iter().chain(&costs.domains) {
                text.push_str(&format!(
                    "  {:<45} own {:>12.2}  total {:>12.2}\n",
                    s.entity, s.own, s.total
                ));
            }
            for u in &costs.unallocated {
                text.push_str(&format!(
                    "  unallocated {:>10.2} from {}: {}\n",
                    u.amount, u.source, u.reason
                ));
            }
        }
        answers.costs = Some(costs);
    }
    match args.format {
        GraphFormat::Json if asked => print_json(&answers)?,
        GraphFormat::Json => print_json(&graph.to_json())?,
        _ if asked => emit(text.trim_end())?,
        _ => emit(&format!(
            "{} nodes ({} placeholders), {} edges; ask with --impact, --owned-by, --cycles, --problems or --costs",
            graph.node_count(),
            graph.nodes().filter(|(_, n)| n.is_placeholder()).count(),
            graph.edge_count()
        ))?,
    }
    Ok(exit(failed))
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
