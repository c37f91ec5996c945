//! `platform scaffold` and `platform template lint`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use platform_model::Diagnostic;
use platform_scaffold::actions::git::{GitRemotes, LocalGitHost, PublishGit};
use platform_scaffold::actions::http::{BackstageRequest, HttpConfig};
use platform_scaffold::actions::publish::{GithubApi, GitlabApi};
use platform_scaffold::actions::{
    ActionRegistry, ActionSchemas, CatalogClient, CatalogFetch, CatalogRegister, FetchCookiecutter,
    LocalCatalog,
};
use platform_scaffold::render::{Integration, RenderOptions};
use platform_scaffold::{
    CancelToken, Error, Event, RunOptions, Scaffolder, Secrets, StepStatus, Target, Template,
    diff_against,
};

use crate::term::{Painter, emit, emit_err, print_json};
use crate::{Format, input};

/// Arguments of `platform scaffold`.
#[derive(Args)]
pub(crate) struct ScaffoldArgs {
    /// The template file.
    template: PathBuf,
    /// Parameter values, a YAML or JSON file.
    #[arg(long, value_name = "FILE")]
    values: PathBuf,
    /// Output directory: must not exist or be empty; written only when every
    /// step succeeds. With --dry-run, the directory the result is compared
    /// with (nothing is written).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Run as Backstage's dry run: actions with outside effects are skipped,
    /// the files are listed (and compared with --out when it exists).
    #[arg(long)]
    dry_run: bool,
    /// Fail on undefined values and on templates that would silently pass
    /// through as raw strings.
    #[arg(long)]
    strict: bool,
    /// Secrets as NAME=VALUE (repeatable); values are never printed.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    secrets: Vec<String>,
    /// Directory of the local git host that github:repo:create and
    /// github:repo:push use (default: `OUT.git-remotes` beside --out); the
    /// only local directory publish:git may push under.
    #[arg(long, value_name = "DIR")]
    git_remotes: Option<PathBuf>,
    /// A host publish:git may push to over https:// or ssh:// (repeatable;
    /// none by default).
    #[arg(long = "git-host", value_name = "HOST")]
    git_hosts: Vec<String>,
    /// Base URL that http:backstage:request paths are appended to.
    #[arg(long, value_name = "URL", default_value = "http://localhost:7007")]
    backstage_url: String,
    /// Run publish:github and publish:github:pull-request against GitHub's
    /// REST API at URL (`https://api.github.com`, or `https://HOST/api/v3` for
    /// GitHub Enterprise) instead of the local git host. The token is a
    /// step's `token` input, else the GITHUB_TOKEN environment variable.
    #[arg(long, value_name = "URL")]
    github_api: Option<String>,
    /// The host GitHub `repoUrl`s name for --github-api.
    #[arg(
        long,
        value_name = "HOST",
        default_value = "github.com",
        requires = "github_api"
    )]
    github_host: String,
    /// Offer fetch:cookiecutter, running PROGRAM (`cookiecutter`, or a
    /// path). Cookiecutter renders outside any sandbox, so a template can
    /// run code through it: only for templates you trust.
    #[arg(long, value_name = "PROGRAM")]
    cookiecutter: Option<PathBuf>,
    /// An SCM integration as HOST=KIND (repeatable), beside the public
    /// hosts: KIND is github, gitlab, bitbucketCloud, bitbucketServer,
    /// azure, gitea or gerrit. It decides which actions and `parseRepoUrl`
    /// accept a `repoUrl` on HOST.
    #[arg(long = "integration", value_name = "HOST=KIND")]
    integrations: Vec<String>,
    /// Run publish:gitlab and publish:gitlab:merge-request against the
    /// GitLab instance at URL (`https://gitlab.com`) instead of the local
    /// git host. The token is a step's `token` input, else the GITLAB_TOKEN
    /// environment variable.
    #[arg(long, value_name = "URL")]
    gitlab_api: Option<String>,
    /// The host GitLab `repoUrl`s name for --gitlab-api.
    #[arg(
        long,
        value_name = "HOST",
        default_value = "gitlab.com",
        requires = "gitlab_api"
    )]
    gitlab_host: String,
    /// A catalog directory for catalog:fetch and catalog:register (which
    /// adds Locations to it).
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Arguments of `platform template lint`.
#[derive(Args)]
pub(crate) struct LintArgs {
    /// The template file.
    template: PathBuf,
    /// Which actions the template may use: `stock` (what a fresh Backstage
    /// create-app backend registers), `builtin` (what `platform scaffold`
    /// runs), or a FILE with a backend's own list (the JSON of
    /// `GET /api/scaffolder/v2/actions`).
    #[arg(long, value_name = "stock|builtin|FILE", default_value = "stock")]
    actions: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// The actions `template lint --actions` names.
fn lint_actions(choice: &str) -> Result<ActionSchemas, String> {
    match choice {
        "stock" => Ok(ActionSchemas::stock()),
        "builtin" => Ok(ActionSchemas::from_registry(&registry(
            Path::new("."),
            &[],
            "http://localhost:7007",
            None,
        )?)),
        file => {
            let text = input::read_text("--actions", Path::new(file))?;
            ActionSchemas::from_backstage_list(&text).map_err(|e| format!("--actions {file}: {e}"))
        }
    }
}

/// The actions the CLI offers: the built-ins, a local git host, the HTTP
/// action against `backstage_url`, and a catalog directory when given.
fn registry(
    git_remotes: &Path,
    git_hosts: &[String],
    backstage_url: &str,
    catalog: Option<&Path>,
) -> Result<ActionRegistry, String> {
    let mut registry = ActionRegistry::with_builtins();
    LocalGitHost::new(git_remotes).register_all(&mut registry);
    let remotes = git_hosts
        .iter()
        .fold(GitRemotes::new().with_local_root(git_remotes), |r, host| {
            r.with_host(host)
        });
    registry.register(PublishGit::new(remotes));
    let http = HttpConfig::new(backstage_url).map_err(|e| format!("--backstage-url: {e}"))?;
    registry.register(BackstageRequest::new(http));
    if let Some(dir) = catalog {
        let client: Arc<dyn CatalogClient> =
            Arc::new(LocalCatalog::open(dir).map_err(|e| format!("--catalog: {e}"))?);
        registry
            .register(CatalogFetch::new(Arc::clone(&client)))
            .register(CatalogRegister::new(client));
    }
    Ok(registry)
}

fn print_located(diagnostics: &[Diagnostic], source: Option<&str>) {
    let mut painter = Painter::new(std::io::stderr().is_terminal());
    for d in diagnostics {
        emit_err(&format!("{}\n", painter.render(d, source)));
    }
}

fn load_template(path: &Path) -> Result<Result<Template, ExitCode>, String> {
    // Checked here, before platform-scaffold opens it: a FIFO or a device
    // is refused instead of blocking or filling memory.
    input::check_regular_file("template", path)?;
    match Template::load(path) {
        Ok(template) => Ok(Ok(template)),
        Err(Error::InvalidTemplate { diagnostics, .. }) => {
            let source = input::read_text("template", path).ok();
            print_located(&diagnostics, source.as_deref());
            Ok(Err(ExitCode::from(1)))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn read_values(path: &Path) -> Result<Result<serde_json::Value, ExitCode>, String> {
    let text = input::read_text("--values", path)?;
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let stream = platform_model::yaml::parse_stream(
        &name,
        &text,
        &platform_model::yaml::YamlOptions::default(),
    );
    let problems: Vec<Diagnostic> = stream
        .diagnostics
        .iter()
        .cloned()
        .chain(stream.documents.iter().filter_map(|d| d.error.clone()))
        .collect();
    if !problems.is_empty() {
        print_located(&problems, Some(&text));
        return Ok(Err(ExitCode::from(2)));
    }
    let value = stream
        .documents
        .into_iter()
        .find(|d| !d.is_empty())
        .map(|d| d.value)
        .unwrap_or_else(|| serde_json::json!({}));
    Ok(Ok(value))
}

fn parse_secrets(pairs: &[String]) -> Result<Secrets, String> {
    let mut secrets = Secrets::new();
    for pair in pairs {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            format!(
                "--secret expects NAME=VALUE, got `{}`",
                pair.split('=').next().unwrap_or_default()
            )
        })?;
        secrets.insert(name, value);
    }
    Ok(secrets)
}

/// Prints events on stderr as they happen.
fn progress(event: &Event) {
    let line = match event {
        Event::StepStarted {
            step_id, action, ..
        } => format!("==> {step_id} ({action})"),
        Event::StepSkipped { step_id, reason } => format!("--- {step_id} skipped: {reason}"),
        Event::StepFinished {
            step_id,
            status,
            duration,
        } => {
            let status = match status {
                StepStatus::Completed => "done",
                StepStatus::Failed => "FAILED",
                StepStatus::Skipped => "skipped",
                StepStatus::Cancelled => "cancelled",
            };
            format!("<== {step_id} {status} in {} ms", duration.as_millis())
        }
        Event::Log {
            step_id: Some(_),
            message,
        } => message
            .lines()
            .map(|line| format!("    {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Event::Log { message, .. } => message.clone(),
        _ => return,
    };
    emit_err(&line);
}

pub(crate) fn scaffold(args: &ScaffoldArgs) -> Result<ExitCode, String> {
    let template = match load_template(&args.template)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let values = match read_values(&args.values)? {
        Ok(v) => v,
        Err(code) => return Ok(code),
    };
    let secrets = parse_secrets(&args.secrets)?;
    let remotes = args.git_remotes.clone().unwrap_or_else(|| {
        let mut name = args
            .out
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "out".into());
        name.push(".git-remotes");
        args.out.with_file_name(name)
    });
    let mut registry = registry(
        &remotes,
        &args.git_hosts,
        &args.backstage_url,
        args.catalog.as_deref(),
    )?;
    if let Some(api) = &args.github_api {
        let mut github = GithubApi::new(api, args.github_host.as_str())
            .map_err(|e| format!("--github-api: {e}"))?;
        if let Some(token) = std::env::var("GITHUB_TOKEN").ok().filter(|t| !t.is_empty()) {
            github = github.with_token(platform_scaffold::Secret::new(token));
        }
        github.register(&mut registry);
    }
    if let Some(program) = &args.cookiecutter {
        registry.register(FetchCookiecutter::new(program));
    }
    if let Some(api) = &args.gitlab_api {
        let mut gitlab = GitlabApi::new(api, args.gitlab_host.as_str())
            .map_err(|e| format!("--gitlab-api: {e}"))?;
        if let Some(token) = std::env::var("GITLAB_TOKEN").ok().filter(|t| !t.is_empty()) {
            gitlab = gitlab.with_token(platform_scaffold::Secret::new(token));
        }
        gitlab.register(&mut registry);
    }
    let mut integrations = Integration::defaults();
    for pair in &args.integrations {
        const KINDS: [&str; 7] = [
            "github",
            "gitlab",
            "bitbucketCloud",
            "bitbucketServer",
            "azure",
            "gitea",
            "gerrit",
        ];
        match pair.split_once('=') {
            Some((host, kind)) if !host.is_empty() && KINDS.contains(&kind) => {
                integrations.push(Integration::new(host.to_ascii_lowercase(), kind));
            }
            _ => {
                return Err(format!(
                    "--integration {pair}: expected HOST=KIND, KIND one of {}",
                    KINDS.join(", ")
                ));
            }
        }
    }
    let mut options = RunOptions::default()
        .with_render_options(RenderOptions::default().with_integrations(integrations))
        .with_strict(args.strict)
        .with_cancel_token(cancel_on_signal());
    if args.format == Format::Text {
        options = options.with_on_event(progress);
    }
    let scaffolder = Scaffolder::new(registry).with_options(options);
    if args.dry_run {
        return match scaffolder.dry_run(&template, &values, &secrets) {
            Ok(report) => {
                let diff = if args.out.exists() {
                    Some(diff_against(&report.entries, &args.out).map_err(|e| e.to_string())?)
                } else {
                    None
                };
                match args.format {
                    Format::Json => {
                        let mut json = serde_json::to_value(&report).map_err(|e| e.to_string())?;
                        if let (Some(diff), Some(map)) = (&diff, json.as_object_mut()) {
                            map.insert(
                                "diff".into(),
                                serde_json::to_value(diff).map_err(|e| e.to_string())?,
                            );
                        }
                        print_json(&json)?;
                    }
                    Format::Text => {
                        for file in &report.files {
                            emit(&format!(
                                "{}{}",
                                file.path,
                                if file.executable { " (executable)" } else { "" }
                            ))?;
                        }
                        if let Some(diff) = &diff {
                            emit(&format!("\ncompared with {}:", args.out.display()))?;
                            for change in diff {
                                emit(
                                    &format!("{:?} {}", change.change, change.path).to_lowercase(),
                                )?;
                                if let Some(text) = &change.diff {
                                    emit(text.trim_end())?;
                                }
                            }
                        }
                        print_warnings(&report.warnings)?;
                        emit(&format!(
                            "dry run: {} files; output: {}",
                            report.files.len(),
                            report.output
                        ))?;
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(stopped) => failure(&stopped, args.format),
        };
    }
    match scaffolder.run(&template, &values, &secrets, Target::Directory(&args.out)) {
        Ok(report) => {
            match args.format {
                Format::Json => print_json(&report)?,
                Format::Text => {
                    print_warnings(&report.warnings)?;
                    emit(&format!("created {}", args.out.display()))?;
                    if let Some(links) = report
                        .output
                        .get("links")
                        .and_then(serde_json::Value::as_array)
                    {
                        for link in links {
                            let title = link
                                .get("title")
                                .and_then(serde_json::Value::as_str)
                                .unwrap_or("link");
                            let target = link
                                .get("url")
                                .or_else(|| link.get("entityRef"))
                                .map(ToString::to_string)
                                .unwrap_or_default();
                            emit(&format!("  {title}: {}", target.trim_matches('"')))?;
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(stopped) => failure(&stopped, args.format),
    }
}

fn print_warnings(warnings: &[platform_scaffold::Warning]) -> Result<(), String> {
    for w in warnings {
        let step = w.step.as_deref().unwrap_or("output");
        if w.template.is_empty() {
            emit_err(&format!("warning: step {step}: {}", w.message));
        } else {
            emit_err(&format!(
                "warning: step {step}: {} in `{}` ({}:{})",
                w.message,
                w.template,
                w.span.as_ref().map_or(0, |s| s.line),
                w.span.as_ref().map_or(0, |s| s.column)
            ));
        }
    }
    Ok(())
}

/// The exit code of a run stopped by SIGINT, SIGTERM or SIGHUP.
const INTERRUPTED: u8 = 130;

/// A token that the first SIGINT, SIGTERM or SIGHUP cancels: the run stops
/// at its next cancellation point and the staging directory (which may
/// hold rendered secrets) is removed as the run unwinds. A second signal
/// exits at once.
fn cancel_on_signal() -> CancelToken {
    let token = CancelToken::new();
    let handler_token = token.clone();
    // Without a handler (one is already installed) signals keep their
    // default action; the staging directory is private either way.
    let _ = ctrlc::set_handler(move || {
        if handler_token.is_cancelled() {
            std::process::exit(i32::from(INTERRUPTED));
        }
        emit_err("interrupted: stopping the run and removing its staging directory");
        handler_token.cancel();
    });
    token
}

/// Reports a failed run: exit 1 for failures of the template or its
/// values, 2 for an unusable output directory.
/// Reports a run that stopped: on stderr, and with `--format json` also as
/// a JSON document on stdout (the report so far, when there is one, with
/// an `error` object), so that a machine reading stdout learns why.
fn failure(stopped: &platform_scaffold::RunFailure, format: Format) -> Result<ExitCode, String> {
    let error = &stopped.error;
    if format == Format::Json {
        let mut json = match &stopped.report {
            Some(report) => serde_json::to_value(report).map_err(|e| e.to_string())?,
            None => serde_json::json!({}),
        };
        let mut detail = serde_json::json!({"message": error.to_string()});
        if let Error::StepFailed { step, action, .. } = error {
            detail["step"] = serde_json::json!(step);
            detail["action"] = serde_json::json!(action);
        }
        if let Error::InvalidParameters { errors } | Error::InvalidSecrets { errors } = error {
            detail["errors"] =
                serde_json::json!(errors.iter().map(ToString::to_string).collect::<Vec<_>>());
        }
        if let Some(map) = json.as_object_mut() {
            map.insert("error".into(), detail);
        }
        print_json(&json)?;
    }
    emit_err(&format!("error: {error}"));
    if let Error::InvalidParameters { errors } | Error::InvalidSecrets { errors } = error {
        for e in errors {
            emit_err(&format!("  - {e}"));
        }
    }
    if let Error::StepFailed { .. } = error {
        emit_err("nothing was written to the output directory");
    }
    Ok(ExitCode::from(match error {
        Error::Target(_) => 2,
        Error::Cancelled => INTERRUPTED,
        _ => 1,
    }))
}

pub(crate) fn lint(args: &LintArgs) -> Result<ExitCode, String> {
    let template = match load_template(&args.template)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let actions = lint_actions(&args.actions)?;
    let findings = platform_scaffold::lint_against(&template, &actions);
    let failed = findings.iter().any(Diagnostic::is_error);
    match args.format {
        Format::Json => {
            let list: Vec<_> = findings.iter().map(Diagnostic::record).collect();
            print_json(&serde_json::json!({"findings": list, "valid": !failed}))?;
        }
        Format::Text => {
            let source = input::read_text("template", &args.template).ok();
            let mut painter = Painter::new(std::io::stdout().is_terminal());
            for d in &findings {
                emit(&format!("{}\n", painter.render(d, source.as_deref())))?;
            }
            emit(&format!(
                "{} {} findings",
                if failed { "failed:" } else { "ok:" },
                findings.len()
            ))?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
