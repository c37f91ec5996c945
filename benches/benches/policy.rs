//! The policy checker over N Deployments, each with a PDB and an HPA, one
//! object per file, half compliant: discovery, parsing and every rule.
//! `cargo bench -p platform-benches --bench policy`; ids
//! `policy/<workloads>` (all threads) and `policy-1-thread/<workloads>`.

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use platform_policy::{CheckOptions, Checker};

fn bench(c: &mut Criterion) {
    let checker = Checker::new(&CheckOptions::new()).expect("checker");
    for (label, threads) in [("policy", 0usize), ("policy-1-thread", 1)] {
        let pool = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool"),
        );
        let mut group = c.benchmark_group(label);
        group.sample_size(10);
        for workloads in [1_000usize, 10_000] {
            let dir = tempfile::tempdir().expect("tempdir");
            platform_policy::bench::write_workloads(dir.path(), workloads).expect("write");
            group.throughput(Throughput::Elements(workloads as u64));
            group.bench_with_input(BenchmarkId::new("check", workloads), &dir, |b, dir| {
                b.iter(|| {
                    let report = pool
                        .install(|| checker.check_path(dir.path()))
                        .expect("check");
                    assert_eq!(report.summary.artefacts.manifests, 3 * workloads);
                    report
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
