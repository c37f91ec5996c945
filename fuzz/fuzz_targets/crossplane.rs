//! The Crossplane validator, through the policy checker
//! (`Checker::check_inputs` with the default options on an XRD file and a
//! claim file added with `Inputs::add_source`, as `check_sources` does: the
//! validator itself, `crossplane::validate`, is not public).
//!
//! Input: `xrd\0claim`, checked as `platform/xrd.yaml` and
//! `platform/claim.yaml` (without a NUL, the whole input is both).
//!
//! Promises checked: no panic; every finding located in one
//! of the two files lies inside it; the reports render.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use platform_fuzz::assert_span_in_sources;
use platform_policy::{CheckOptions, Checker, Inputs, TextOptions};

thread_local! {
    /// Built once: `check_sources` builds the same checker on every call.
    static CHECKER: Checker = Checker::new(&CheckOptions::new()).expect("the default checker builds");
}

const XRD: &str = "platform/xrd.yaml";
const CLAIM: &str = "platform/claim.yaml";

fuzz_target!(|data: &[u8]| {
    let (xrd, claim) = platform_fuzz::split_nul(data);
    let xrd = platform_fuzz::text(xrd);
    let claim = claim.map_or_else(|| xrd.clone(), platform_fuzz::text);
    let mut inputs = Inputs::new();
    inputs.add_source(XRD, xrd.as_str());
    inputs.add_source(CLAIM, claim.as_str());
    let report = CHECKER.with(|c| c.check_inputs(inputs));
    let sources = HashMap::from([(XRD.to_owned(), xrd), (CLAIM.to_owned(), claim)]);
    for f in &report.findings {
        if let Some(span) = f.span() {
            assert_span_in_sources(span, &sources, f);
        }
    }
    let _ = report.render_text(&TextOptions::default());
    let _ = report.to_sarif();
});
