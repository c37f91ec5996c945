//! Runs one benchmark workload once, for profilers and instruction counters
//! (`valgrind --tool=callgrind`, `perf`), whose figures are repeatable where
//! wall-clock times on a shared machine are not.
//!
//! `measure <saphyr|parse|load> <catalog-dir>`, where the directory holds a
//! synthetic organisation (`platform generate`); `measure graph <entities>`;
//! `measure dora <deployments>`: DORA's keys over the 100 000-entity
//! organisation;
//! `measure policy <workloads> [admission]`: writes the policy bench's
//! workloads (and its ten admission policies) to a temporary directory,
//! then checks them once on one thread (`MEASURE_REPEAT=n` checks n times).

use std::path::Path;
use std::sync::Arc;

use platform_benches::serde_saphyr_parse;
use platform_model::loader::{LoadOptions, Loader};
use platform_model::yaml::{YamlOptions, parse_stream};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(workload), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: measure <saphyr|parse|load> <catalog-dir> | measure graph <entities>");
        std::process::exit(2);
    };
    if workload == "graph" {
        graph(dir.parse().unwrap_or(100_000));
        return;
    }
    if workload == "dora" {
        dora(dir.parse().unwrap_or(1_000_000));
        return;
    }
    if workload == "policy" {
        policy(
            dir.parse().unwrap_or(10_000),
            args.get(3).map(String::as_str),
        );
        return;
    }
    let mut files = Vec::new();
    collect(Path::new(dir), &mut files);
    files.sort();
    let count = match workload.as_str() {
        "saphyr" => serde_saphyr_parse(&files),
        "parse" => files
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                parse_stream(&Arc::from("f.yaml"), &text, &YamlOptions::default())
                    .documents
                    .len()
            })
            .sum(),
        "load" => match Loader::new(LoadOptions::default())
            .and_then(|l| l.load(&Path::new(dir).join("catalog-info.yaml")))
        {
            Ok(catalog) => catalog.summary().valid,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        other => {
            eprintln!("unknown workload {other}");
            std::process::exit(2);
        }
    };
    println!("{workload}: {count} documents");
}

/// Computes DORA's keys for `count` synthetic deployments over the
/// 100 000-entity organisation, once.
fn dora(count: usize) {
    use platform_graph::CatalogGraph;
    use platform_graph::dora::{DoraOptions, parse_bound};
    use std::time::Instant;
    let graph = CatalogGraph::from_entities(
        platform_model::synthetic::SyntheticOrg::new(100_000).generate(),
    );
    let (deployments, incidents) = platform_benches::dora_events(&graph, count);
    let options = match (parse_bound("2026-11-01"), parse_bound("2026-12-01")) {
        (Ok(since), Ok(until)) => DoraOptions::new(since, until),
        _ => std::process::exit(2),
    };
    // MEASURE_REPEAT=n computes n times, for profiling.
    let repeat: usize = std::env::var("MEASURE_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    for _ in 1..repeat {
        let _ = graph.dora(&deployments, &incidents, &options);
    }
    let start = Instant::now();
    match graph.dora(&deployments, &incidents, &options) {
        Ok(report) => println!(
            "dora: {:?} ({} entities, {} systems, {} domains, {} groups, {} unattributed)",
            start.elapsed(),
            report.entities.len(),
            report.systems.len(),
            report.domains.len(),
            report.groups.len(),
            report.unattributed.len()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}

/// Times checks of the policy bench's workloads, with or without its
/// admission policies, on one thread.
fn policy(workloads: usize, admission: Option<&str>) {
    use platform_policy::{CheckOptions, Checker};
    use std::time::Instant;
    let fail = |what: &str, e: &dyn std::fmt::Display| -> ! {
        eprintln!("{what}: {e}");
        std::process::exit(2);
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail("tempdir", &e));
    let tree = dir.path().join("tree");
    platform_policy::bench::write_workloads(&tree, workloads).unwrap_or_else(|e| fail("write", &e));
    let mut options = CheckOptions::new();
    if admission == Some("admission") {
        let policies = dir.path().join("policies");
        platform_policy::bench::write_admission_policies(&policies)
            .unwrap_or_else(|e| fail("write", &e));
        options = options.with_policies([policies]);
    }
    let checker = Checker::new(&options).unwrap_or_else(|e| fail("checker", &e));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| fail("pool", &e));
    let repeat: usize = std::env::var("MEASURE_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    for _ in 0..repeat {
        let start = Instant::now();
        match pool.install(|| checker.check_path(&tree)) {
            Ok(report) => println!(
                "check: {:?} ({} findings)",
                start.elapsed(),
                report.findings.len()
            ),
            Err(e) => fail("check", &e),
        }
    }
}

/// Times the graph benchmarks' steps once each, for profiling.
fn graph(entities: usize) {
    use platform_graph::{CatalogGraph, OwnedBy};
    use std::time::Instant;
    let org = platform_model::synthetic::SyntheticOrg::new(entities).generate();
    if std::env::var_os("MEASURE_BUILD_ONLY").is_some() {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let start = Instant::now();
        let graph = CatalogGraph::from_entities(org);
        println!(
            "build: {:?} ({} nodes)",
            start.elapsed(),
            graph.node_count()
        );
        std::process::exit(0);
    }
    let start = Instant::now();
    let graph = CatalogGraph::from_entities(org);
    println!(
        "build: {:?} ({} nodes, {} edges)",
        start.elapsed(),
        graph.node_count(),
        graph.edge_count()
    );
    let shared = graph
        .resolve("resource:resource-00000")
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let impact = graph.impact(&[shared]);
    println!("impact: {:?} ({} reached)", start.elapsed(), impact.len());
    // MEASURE_IMPACT_LOOPS=n repeats the query, for profiling.
    let loops: usize = std::env::var("MEASURE_IMPACT_LOOPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let start = Instant::now();
    let mut impact = graph.impact(&[shared]);
    for _ in 1..loops {
        impact = graph.impact(&[shared]);
    }
    println!(
        "impact again: {:?} ({} reached)",
        start.elapsed() / u32::try_from(loops).unwrap_or(1),
        impact.len()
    );
    let top = graph
        .resolve("group:acme")
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let owned = graph.owned_by(top, &OwnedBy::default()).map(|o| o.len());
    println!("owned-by: {:?} ({owned:?} owned)", start.elapsed());
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}
