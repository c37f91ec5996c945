//! DORA's four keys for one million deployments over the 100 000-entity
//! synthetic organisation, rolled up to every system, domain and group.
//! Goal: under 2 s on one core.
//! `cargo bench -p platform-benches --bench metrics`.

use criterion::{Criterion, criterion_group, criterion_main};
use platform_benches::dora_events;
use platform_graph::CatalogGraph;
use platform_graph::dora::{DoraOptions, parse_bound};
use platform_model::synthetic::SyntheticOrg;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    let graph = CatalogGraph::from_entities(SyntheticOrg::new(100_000).generate());
    let (deployments, incidents) = dora_events(&graph, 1_000_000);
    let options = DoraOptions::new(
        parse_bound("2026-11-01").expect("since"),
        parse_bound("2026-12-01").expect("until"),
    );
    group.bench_function("dora/1000000-deployments/100000-entities", |b| {
        b.iter(|| {
            let report = graph
                .dora(&deployments, &incidents, &options)
                .expect("dora");
            report.groups.len()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
