//! The policy checker over N Deployments, each with a PDB and an HPA, one
//! object per file, half compliant: discovery, parsing and every rule.
//! `cargo bench -p platform-benches --bench policy`; ids
//! `policy/<workloads>` (all threads) and `policy-1-thread/<workloads>`;
//! `policy-admission-1-thread/10000` adds ten ValidatingAdmissionPolicies.

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
    // The same 10 000 workloads with ten admission policies of three
    // validations each (issue 13's goal: at most 25 % on top).
    let policies = tempfile::tempdir().expect("tempdir");
    platform_policy::bench::write_admission_policies(policies.path()).expect("write");
    let with_policies =
        Checker::new(&CheckOptions::new().with_policies([policies.path().to_path_buf()]))
            .expect("checker");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let mut group = c.benchmark_group("policy-admission-1-thread");
    group.sample_size(10);
    let workloads = 10_000usize;
    let dir = tempfile::tempdir().expect("tempdir");
    platform_policy::bench::write_workloads(dir.path(), workloads).expect("write");
    group.throughput(Throughput::Elements(workloads as u64));
    group.bench_with_input(BenchmarkId::new("check", workloads), &dir, |b, dir| {
        b.iter(|| {
            let report = pool
                .install(|| with_policies.check_path(dir.path()))
                .expect("check");
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.rule().starts_with("vap.bench-"))
            );
            report
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
