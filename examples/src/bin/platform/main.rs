//! `platform`: the command line that composes the workspace's crates.
//!
//! Run `platform --help` for the commands. Exit codes: 0 when everything is
//! valid, 1 when something is invalid (or a finding reaches the threshold),
//! 2 on usage or I/O errors.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use platform_model::loader::{
    Catalog, IngestOptions, LoadOptions, RegisteredAs, ingest as ingest_catalogs,
};
use platform_model::report::ValidationReport;
use platform_model::synthetic::SyntheticOrg;
use platform_model::validate::{ValidationMode, Validator};
use platform_model::{Diagnostic, Severity};

mod check;
mod input;
mod metrics;
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
        /// Files or directories (a file's Locations are followed). With
        /// `--app-config` and no PATH, the config's `catalog.locations`
        /// are read.
        #[arg(required_unless_present = "app_configs")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        ingest: IngestArgs,
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
        /// Backstage app-config files whose `catalog.rules` are enforced
        /// on the tree's catalog (repeatable; later ones override).
        #[arg(long = "app-config", value_name = "FILE")]
        app_configs: Vec<PathBuf>,
        /// The directory the backend runs in (see `validate --backend-dir`).
        #[arg(long, value_name = "DIR", requires = "app_configs")]
        backend_dir: Option<PathBuf>,
        /// How Backstage has PATH registered: `file` or `url` (see
        /// `validate --registration`).
        #[arg(long, value_name = "TYPE", default_value = "file")]
        registration: RegisteredAs,
        /// ValidatingAdmissionPolicies and bindings (a file or directory)
        /// evaluated against the tree's objects besides those in the tree
        /// (repeatable).
        #[arg(long = "policies", value_name = "PATH")]
        policies: Vec<PathBuf>,
        /// Rule files: rules of your own written in CEL (repeatable).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Run a software template (scaffolder.backstage.io/v1beta3).
    Scaffold(scaffold::ScaffoldArgs),
    /// Work with software templates.
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// Ask the catalog graph: impact, ownership, cycles, problems, costs, exports.
    Graph(GraphArgs),
    /// Measure the platform: DORA's four keys and developer NPS.
    Metrics {
        #[command(subcommand)]
        command: metrics::MetricsCommand,
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
            ingest,
            format,
            all_errors,
        } => validate(&paths, &ingest, format, all_errors),
        Command::Check {
            path,
            profile,
            config,
            format,
            min_severity,
            app_configs,
            backend_dir,
            registration,
            policies,
            rules,
        } => check::check(&check::CheckArgs {
            path,
            profile,
            config,
            format,
            min_severity,
            app_configs,
            backend_dir,
            registration,
            policies,
            rules,
        }),
        Command::Scaffold(args) => scaffold::scaffold(&args),
        Command::Template {
            command: TemplateCommand::Lint(args),
        } => scaffold::lint(&args),
        Command::Graph(args) => graph(&args),
        Command::Metrics { command } => metrics::metrics(&command),
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

/// How a catalog is ingested: the app-configs and where their reads go.
#[derive(Args, Clone, Debug, Default)]
struct IngestArgs {
    /// Backstage app-config files (repeatable; later ones override
    /// earlier ones): their `catalog.rules` are enforced and, when no PATH
    /// is given, their `catalog.locations` are read.
    #[arg(long = "app-config", value_name = "FILE")]
    app_configs: Vec<PathBuf>,
    /// The directory the backend runs in, which relative `file` targets
    /// of `catalog.locations` resolve against (default: `packages/backend`
    /// beside the first app-config when it exists, else the app-config's
    /// directory).
    #[arg(long, value_name = "DIR", requires = "app_configs")]
    backend_dir: Option<PathBuf>,
    /// Confine every read to this directory and name files relative to it
    /// (default: reads stay in the enclosing git work tree, else the
    /// argument's directory, and a PATH's files are named relative to the
    /// argument).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// A directory of repository checkouts, one sub-directory per
    /// repository, that the app-config's `github-discovery` locations
    /// discover offline (each read at the location's catalog path as the
    /// repository's `url` location, under the location's rules).
    #[arg(long, value_name = "DIR", requires = "app_configs")]
    repos: Option<PathBuf>,
    /// How Backstage has the PATH registered: `file` (a file location, the
    /// default) or `url` (its repository's URL, as discovery or a
    /// registered URL reads it). It decides how `$text`/`$json`/`$yaml`
    /// placeholders and Location targets resolve; with `url` the
    /// repository is the enclosing git work tree (or --root), read as its
    /// `origin` remote at the checked-out branch.
    #[arg(long, value_name = "TYPE", default_value = "file")]
    registration: RegisteredAs,
}

fn load_all(
    paths: &[PathBuf],
    ingest: &IngestArgs,
    mode: ValidationMode,
) -> Result<Vec<Catalog>, String> {
    for path in paths.iter().chain(&ingest.app_configs) {
        input::check_tree_argument(path)?;
    }
    let validator = Validator::builder().with_mode(mode).build();
    let load = LoadOptions::default()
        .with_validator(validator)
        .with_registration(ingest.registration);
    let mut options = IngestOptions::new(load).with_app_configs(ingest.app_configs.iter().cloned());
    if let Some(dir) = &ingest.backend_dir {
        options = options.with_backend_dir(dir);
    }
    if let Some(root) = &ingest.root {
        options = options.with_root(root);
    }
    if let Some(repos) = &ingest.repos {
        if !repos.is_dir() {
            return Err(format!("--repos {}: not a directory", repos.display()));
        }
        options = options.with_repos(repos);
    }
    ingest_catalogs(paths, &options).map_err(|e| e.to_string())
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

fn validate(
    paths: &[PathBuf],
    ingest: &IngestArgs,
    format: Format,
    all_errors: bool,
) -> Result<ExitCode, String> {
    let mode = if all_errors {
        ValidationMode::Full
    } else {
        ValidationMode::Backstage
    };
    let catalogs = load_all(paths, ingest, mode)?;
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
                "{} {} documents in {} files: {} valid{}, {} invalid ({} errors, {} warnings, {} relations)",
                if report.is_valid() { "ok:" } else { "failed:" },
                s.documents,
                s.files,
                s.valid,
                if s.ingested < s.valid {
                    format!(" ({} not ingested)", s.valid - s.ingested)
                } else {
                    String::new()
                },
                s.invalid,
                s.errors,
                s.warnings,
                s.relations
            ))?;
            let skipped: Vec<&str> = catalogs.iter().flat_map(Catalog::skipped).collect();
            if !skipped.is_empty() {
                const SHOWN: usize = 10;
                let more = skipped.len().saturating_sub(SHOWN);
                emit(&format!(
                    "skipped {} YAML file{} that {} not catalog file{}: {}{}",
                    skipped.len(),
                    if skipped.len() == 1 { "" } else { "s" },
                    if skipped.len() == 1 { "is" } else { "are" },
                    if skipped.len() == 1 { "" } else { "s" },
                    skipped[..skipped.len().min(SHOWN)].join(", "),
                    if more > 0 {
                        format!(", and {more} more")
                    } else {
                        String::new()
                    }
                ))?;
            }
        }
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `platform graph`'s arguments.
#[derive(Args)]
struct GraphArgs {
    /// A file or directory (optional with `--app-config`, whose
    /// `catalog.locations` are then read).
    #[arg(required_unless_present = "app_configs")]
    path: Option<PathBuf>,
    #[command(flatten)]
    ingest: IngestArgs,
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
    use platform_graph::{CatalogGraph, Questions, ReportOptions};

    let paths: Vec<PathBuf> = args.path.iter().cloned().collect();
    let catalog = load_all(&paths, &args.ingest, ValidationMode::Backstage)?
        .into_iter()
        .next()
        .unwrap_or_default();
    // Read before anything is printed: an unreadable cost file is a usage
    // error (exit 2) with nothing on stdout.
    let cost_text = match &args.costs {
        Some(file) => Some(input::read_text("--costs", file)?),
        None => None,
    };
    let catalog_failed = report_catalog_errors(&catalog) > 0;
    let exit = |failed: bool| {
        if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    };
    let graph = CatalogGraph::from_catalog(&catalog);
    match args.format {
        GraphFormat::Dot => return emit(graph.to_dot().trim_end()).map(|()| exit(catalog_failed)),
        GraphFormat::Mermaid => {
            return emit(graph.to_mermaid().trim_end()).map(|()| exit(catalog_failed));
        }
        GraphFormat::Json | GraphFormat::Text => {}
    }
    let mut questions = Questions::new()
        .with_impact(args.impact.iter().cloned())
        .with_cycles(args.cycles)
        .with_problems(args.problems)
        .with_report_options(ReportOptions::new().with_max_path_len(args.max_path_len));
    if let Some(owner) = &args.owned_by {
        questions = questions.with_owned_by(owner.clone());
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
        questions = questions.with_costs(items, CostOptions::default().with_split(split));
    }
    if questions.is_empty() {
        match args.format {
            GraphFormat::Json => print_json(&graph.to_json())?,
            _ => emit(&format!(
                "{} nodes ({} placeholders), {} edges; ask with --impact, --owned-by, --cycles, --problems or --costs",
                graph.node_count(),
                graph.nodes().filter(|(_, n)| n.is_placeholder()).count(),
                graph.edge_count()
            ))?,
        }
        return Ok(exit(catalog_failed));
    }
    let report = graph.answer(&questions).map_err(|e| e.to_string())?;
    if args.format == GraphFormat::Json {
        print_json(&report)?;
    } else {
        let mut painter = Painter::plain();
        let text = report.to_text(|d| {
            let source = d.span.as_ref().and_then(|s| catalog.source(&s.file));
            painter.render(d, source)
        });
        emit(text.trim_end())?;
    }
    Ok(exit(catalog_failed || report.has_errors()))
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
        .with_seed(seed)
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
