//! `platform check`: catalog validation, graph problems and golden-path
//! policy over one tree, in one report.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use platform_model::loader::RegisteredAs;
use platform_policy::{CheckOptions, TextOptions};

use crate::term::{Painter, emit, print_json};
use crate::{CheckFormat, input};

pub(crate) struct CheckArgs {
    pub(crate) path: PathBuf,
    pub(crate) profile: Option<String>,
    pub(crate) config: Option<PathBuf>,
    pub(crate) format: CheckFormat,
    pub(crate) min_severity: String,
    pub(crate) app_configs: Vec<PathBuf>,
    pub(crate) backend_dir: Option<PathBuf>,
    pub(crate) registration: RegisteredAs,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) rules: Vec<PathBuf>,
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
    for file in &args.app_configs {
        input::check_tree_argument(file)?;
    }
    options = options.with_app_configs(args.app_configs.iter().cloned());
    if let Some(dir) = &args.backend_dir {
        options = options.with_backend_dir(dir);
    }
    options = options.with_registration(args.registration);
    for path in &args.policies {
        input::check_tree_argument(path)?;
    }
    options = options.with_policies(args.policies.iter().cloned());
    for file in &args.rules {
        input::check_regular_file("--rules", file)?;
    }
    options = options.with_rule_files(args.rules.iter().cloned());
    input::check_tree_argument(&args.path)?;
    let report = platform_policy::check_tree(&args.path, &options).map_err(|e| e.to_string())?;
    let failed = report.fails_at(threshold);
    match args.format {
        CheckFormat::Json => print_json(&report.to_json())?,
        CheckFormat::Sarif => print_json(&report.to_sarif())?,
        CheckFormat::Text => {
            let color = std::io::stdout().is_terminal();
            let mut painter = Painter::new(color);
            for d in &report.catalog_findings {
                let source = d.span.as_ref().and_then(|s| report.catalog_source(&s.file));
                emit(&format!("{}\n", painter.render(d, source)))?;
            }
            let text = report.policy_text(&TextOptions::default().with_color(color));
            emit(text.trim_end())?;
            if let Some(line) = report.summary_line(threshold) {
                emit(&line)?;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
