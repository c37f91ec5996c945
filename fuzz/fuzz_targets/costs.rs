//! The platform-graph cost reader and attribution
//! (`platform_graph::cost::parse_costs`, `CatalogGraph::attribute_costs`)
//! on any bytes, against the Acme graph.
//!
//! Promises checked: no panic; a cost file that cannot be read is an
//! error located inside it; with finite amounts, the totals reconcile
//! (`total = Σ entity totals + unallocated_total`) for both split rules.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platform_fuzz::line_column_in;
use platform_graph::cost::{CostOptions, SplitRule, parse_costs};

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let graph = platform_graph::testing::acme_graph();
    match parse_costs("costs", &text) {
        Err(platform_graph::Error::CostInput { span, message }) => {
            assert!(
                line_column_in(&text, span.line as usize, span.column as usize)
                    || (span.line == 1 && span.column == 1),
                "cost error {span}: {message} is outside the input"
            );
        }
        Err(other) => panic!("parse_costs gave a non-input error: {other}"),
        Ok(items) => {
            let finite = items
                .iter()
                .all(|i| i.amount.is_finite() && i.amount.abs() < 1e12);
            for split in [SplitRule::Even, SplitRule::Weighted] {
                let report =
                    graph.attribute_costs(&items, &CostOptions::default().with_split(split));
                if !finite {
                    continue;
                }
                let entities: f64 = report.entities.iter().map(|e| e.total).sum();
                let gap = (report.total - (entities + report.unallocated_total)).abs();
                let scale = report.total.abs().max(1.0) * 1e-6;
                assert!(
                    gap <= scale,
                    "{split:?}: total {} != entities {entities} + unallocated {}",
                    report.total,
                    report.unallocated_total
                );
            }
        }
    }
});
