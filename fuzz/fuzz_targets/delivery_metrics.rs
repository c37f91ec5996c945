//! The platform-graph delivery-metrics readers and computation
//! (`dora::read_deployments`, `read_incidents`, `Thresholds::from_yaml`,
//! `CatalogGraph::dora`, `nps::survey_nps`) on any bytes, against the Acme
//! graph.
//!
//! Promises checked: no panic; every diagnostic is located inside the
//! input; the counts reconcile (every deployment read is outside the
//! window, to another environment, unattributed or attributed, and the
//! entities' deployments add up to the attributed ones); survey counts add
//! up and the NPS lies in [-100, 100].

#![no_main]

use libfuzzer_sys::fuzz_target;
use platform_fuzz::line_column_in;
use platform_graph::dora::{DoraOptions, Thresholds, parse_bound, read_deployments, read_incidents};

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let located = |d: &platform_model::Diagnostic| {
        let span = d.span.as_ref().expect("every diagnostic is located");
        assert!(
            line_column_in(&text, span.line as usize, span.column as usize)
                || (span.line == 1 && span.column == 1),
            "{} at {span} is outside the input",
            d.code
        );
    };
    let deployments = read_deployments("d", &text);
    deployments.diagnostics.iter().for_each(located);
    let incidents = read_incidents("i", &text);
    incidents.diagnostics.iter().for_each(located);
    if let Err(problems) = Thresholds::from_yaml("t", &text) {
        problems.iter().for_each(located);
    }
    let graph = platform_graph::testing::acme_graph();
    let (Ok(since), Ok(until)) = (parse_bound("2000-01-01"), parse_bound("2100-01-01")) else {
        return;
    };
    let report = graph
        .dora(&deployments.items, &incidents.items, &DoraOptions::new(since, until))
        .expect("a valid window");
    let c = report.counts;
    assert_eq!(
        c.deployments_read,
        c.deployments_outside_window
            + c.deployments_other_environment
            + c.deployments_unattributed
            + c.deployments_attributed
    );
    let sum: u64 = report.entities.iter().map(|e| e.deployments).sum();
    assert_eq!(sum, c.deployments_attributed);
    let survey = platform_graph::nps::survey_nps("s", &text);
    survey.diagnostics.iter().for_each(located);
    let o = &survey.overall;
    assert_eq!(o.responses, o.promoters + o.passives + o.detractors);
    assert!((-100.0..=100.0).contains(&o.nps));
});
