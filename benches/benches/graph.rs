//! The catalog graph at 100 000 and 1 000 000 synthetic entities: building
//! it, the impact of the most widely used resource, and everything the
//! top-level group owns. Run on one core:
//! `RAYON_NUM_THREADS=1 cargo bench -p platform-benches --bench graph`.

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use platform_graph::{CatalogGraph, OwnedBy};
use platform_model::synthetic::SyntheticOrg;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph");
    group.sample_size(10);
    for entities in [100_000usize, 1_000_000] {
        let org = SyntheticOrg::new(entities).generate();
        group.bench_with_input(BenchmarkId::new("build", entities), &org, |b, org| {
            b.iter_batched(
                || org.clone(),
                CatalogGraph::from_entities,
                BatchSize::PerIteration,
            );
        });
        let graph = CatalogGraph::from_entities(org);
        // Every tenth component depends on resource-00000.
        let shared = graph
            .resolve("resource:resource-00000")
            .expect("shared resource");
        group.bench_with_input(
            BenchmarkId::new("impact-shared-resource", entities),
            &graph,
            |b, graph| {
                b.iter(|| graph.impact(&[shared]).len());
            },
        );
        let top = graph.resolve("group:acme").expect("top-level group");
        group.bench_with_input(
            BenchmarkId::new("owned-by-top-group", entities),
            &graph,
            |b, graph| {
                b.iter(|| graph.owned_by(top, &OwnedBy::default()).map(|o| o.len()));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
