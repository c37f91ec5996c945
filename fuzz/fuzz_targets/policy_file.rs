//! The policy checker on one file (`Checker::new` with the default options,
//! `Inputs::add_source`, `Checker::check_inputs` — what `check_sources`
//! does — then `render_text`, `to_json` and `to_sarif`).
//!
//! Input: one byte choosing the file name (`data[0] % 8`, so the digits
//! `0`–`7` name the files in `NAMES` order), then the file's content.
//!
//! Promises checked: no panic; every finding located
//! in the file lies inside it; the reports render.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use platform_fuzz::assert_span_in_sources;
use platform_policy::{CheckOptions, Checker, Inputs, TextOptions};

thread_local! {
    /// Built once: `check_sources` builds the same checker on every call.
    static CHECKER: Checker = Checker::new(&CheckOptions::new()).expect("the default checker builds");
}

const NAMES: [&str; 8] = [
    "deploy/deployment.yaml",
    "chart/values.yaml",
    "Dockerfile",
    "catalog-info.yaml",
    "platform/crossplane/claim.yaml",
    "manifests.json",
    "Containerfile.dev",
    "README",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(first) % NAMES.len()];
    let text = platform_fuzz::text(rest);
    let mut inputs = Inputs::new();
    inputs.add_source(name, text.as_str());
    let report = CHECKER.with(|c| c.check_inputs(inputs));
    let sources = HashMap::from([(name.to_owned(), text)]);
    for f in &report.findings {
        assert!(!f.rule().is_empty(), "finding without a rule: {f:?}");
        if let Some(span) = f.span() {
            assert_span_in_sources(span, &sources, f);
        }
        if let Some(s) = &f.suppression
            && let Some(span) = &s.span
        {
            assert_span_in_sources(span, &sources, s);
        }
    }
    let _ = report.render_text(&TextOptions::default());
    let _ = report.to_json();
    let _ = report.to_sarif();
});
