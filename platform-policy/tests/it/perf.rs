//! A quick timing of the benchmark workload (not a timed assertion):
//! `cargo test --release -p platform-policy --test it -- --ignored --nocapture perf`.

use std::time::Instant;

use platform_policy::{CheckOptions, Checker, Severity};

#[test]
#[ignore = "a measurement, run with --release --ignored --nocapture"]
fn perf_10k_workloads() {
    for (n, threads) in [(1_000usize, 1usize), (10_000, 1), (10_000, 0)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = platform_policy::bench::write_workloads(dir.path(), n).expect("write");
        let checker = Checker::new(&CheckOptions::new()).expect("checker");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let start = Instant::now();
        let inputs = pool
            .install(|| checker.read_path(dir.path()))
            .expect("read");
        let read = start.elapsed();
        let report = pool.install(|| checker.check_inputs(inputs));
        let elapsed = start.elapsed();
        println!("  read+parse {:.3} s", read.as_secs_f64());
        assert_eq!(report.summary.artefacts.manifests, 3 * n);
        assert!(report.fails_at(Severity::Error));
        println!(
            "{n} workloads ({files} files), {} threads: {:.3} s, {} findings",
            if threads == 0 {
                rayon::current_num_threads()
            } else {
                threads
            },
            elapsed.as_secs_f64(),
            report.findings.len()
        );
    }
}
