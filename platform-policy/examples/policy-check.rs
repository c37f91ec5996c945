//! Runs the policy checker over a tree and prints the report.
//!
//! `cargo run --release -p platform-policy --example policy-check -- <PATH> [text|json|sarif] [--profile P] [--config FILE]`
//!
//! It also prints the wall time of the check to stderr, which is how the
//! performance figures in the crate notes were taken.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use platform_policy::{CheckOptions, Profile, Severity, TextOptions, check_path};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut format = "text".to_owned();
    let mut options = CheckOptions::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--profile" => match args.next().map(|p| p.parse::<Profile>()) {
                Some(Ok(p)) => options = options.with_profile(p),
                _ => return usage("--profile takes baseline, restricted or strict"),
            },
            "--config" => match args.next() {
                Some(file) => options = options.with_config_file(file),
                None => return usage("--config takes a file"),
            },
            "text" | "json" | "sarif" | "none" => format = arg,
            "--generate" => {
                let (Some(n), Some(dir)) = (args.next().and_then(|n| n.parse().ok()), args.next())
                else {
                    return usage("--generate takes N and DIR");
                };
                return match platform_policy::bench::write_workloads(std::path::Path::new(&dir), n)
                {
                    Ok(files) => {
                        eprintln!("wrote {files} files");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                };
            }
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            other => return usage(&format!("unexpected argument `{other}`")),
        }
    }
    let Some(path) = path else {
        return usage("a PATH is required");
    };
    let start = Instant::now();
    let report = match check_path(&path, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let elapsed = start.elapsed();
    let out = match format.as_str() {
        "json" => serde_json::to_string_pretty(&report.to_json()).unwrap_or_default(),
        "sarif" => serde_json::to_string_pretty(&report.to_sarif()).unwrap_or_default(),
        "none" => format!("{} findings", report.findings.len()),
        _ => report.render_text(&TextOptions::default()),
    };
    println!("{out}");
    eprintln!("checked in {:.3} s", elapsed.as_secs_f64());
    if report.fails_at(Severity::Error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!(
        "error: {message}\nusage: policy-check <PATH> [text|json|sarif] [--profile P] [--config FILE]"
    );
    ExitCode::from(2)
}
