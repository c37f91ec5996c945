//! Integration tests of `platform-policy`: one test binary, one module per area.

mod acme;
mod admission;
mod adversarial;
mod bad_input;
mod custom_rules;
mod differential;
mod exemptions;
mod perf;
mod reports;
mod rules;
mod sarif_schema;
mod tree_check;

use std::path::{Path, PathBuf};

use platform_policy::{CheckOptions, PolicyReport, check_path, check_sources};

/// The workspace's Acme example.
pub(crate) fn acme_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/acme")
}

/// A fixture directory or file under `tests/fixtures`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub(crate) fn check_fixture(name: &str, options: &CheckOptions) -> PolicyReport {
    check_path(&fixture(name), options).expect("check runs")
}

pub(crate) fn check_text(name: &str, text: &str) -> PolicyReport {
    check_sources([(name, text)], &CheckOptions::new()).expect("check runs")
}

/// `rule file:line` of every unsuppressed finding.
pub(crate) fn brief(report: &PolicyReport) -> Vec<String> {
    report
        .active()
        .map(|f| {
            let at = f
                .diagnostic
                .span
                .as_ref()
                .map_or_else(String::new, |s| format!("{}:{}", s.file, s.line));
            format!("{} {at}", f.rule())
        })
        .collect()
}
