//! Loading, validating and relating synthetic catalogs of 10 000 and 100 000
//! entities, against the floor of parsing the same files with serde-saphyr.
//!
//! `ingest-app-config` reads the same tree the way a backend does: an
//! app-config whose `catalog.locations` registers the root Location and
//! whose `catalog.rules` are enforced on every entity.
//!
//! `cargo bench -p platform-benches --bench catalog`; ids are
//! `catalog/<step>/<entities>` and `catalog-1-thread/...` for one core.

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use platform_benches::{OnDisk, serde_saphyr_parse};
use platform_model::loader::{IngestOptions, LoadOptions, Loader, ingest};
use platform_model::yaml::{YamlOptions, parse_stream};
use rayon::prelude::*;

fn bench(c: &mut Criterion) {
    let loader = Loader::new(LoadOptions::default()).expect("loader");
    for (label, threads) in [("catalog", None), ("catalog-1-thread", Some(1))] {
        let pool = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads.unwrap_or(0))
                .build()
                .expect("thread pool"),
        );
        let mut group = c.benchmark_group(label);
        group.sample_size(10);
        for entities in [10_000usize, 100_000] {
            let org = OnDisk::new(entities);
            group.throughput(Throughput::Elements(entities as u64));
            group.bench_with_input(
                BenchmarkId::new("serde-saphyr-parse", entities),
                &org,
                |b, org| {
                    b.iter(|| pool.install(|| serde_saphyr_parse(org.files())));
                },
            );
            group.bench_with_input(
                BenchmarkId::new("parse-with-spans", entities),
                &org,
                |b, org| {
                    b.iter(|| {
                        pool.install(|| {
                            org.files()
                                .par_iter()
                                .map(|p| {
                                    let text = std::fs::read_to_string(p).unwrap_or_default();
                                    let name: Arc<str> = Arc::from("f.yaml");
                                    parse_stream(&name, &text, &YamlOptions::default())
                                        .documents
                                        .len()
                                })
                                .sum::<usize>()
                        })
                    });
                },
            );
            group.bench_with_input(
                BenchmarkId::new("load-validate-relate", entities),
                &org,
                |b, org| {
                    b.iter(|| {
                        pool.install(|| {
                            let catalog = loader.load(&org.root_location()).expect("load");
                            assert_eq!(catalog.summary().valid, entities + 1);
                            catalog
                        })
                    });
                },
            );
            let config = org.path().join("app-config.yaml");
            std::fs::write(&config, APP_CONFIG).expect("write app-config");
            let ingest_options = IngestOptions::new(LoadOptions::default())
                .with_app_configs([config])
                .with_backend_dir(org.path())
                .with_root(org.path());
            group.bench_with_input(
                BenchmarkId::new("ingest-app-config", entities),
                &ingest_options,
                |b, options| {
                    b.iter(|| {
                        pool.install(|| {
                            let catalogs = ingest(&[], options).expect("ingest");
                            let ingested: usize =
                                catalogs.iter().map(|c| c.summary().ingested).sum();
                            assert_eq!(ingested, entities + 1);
                            catalogs
                        })
                    });
                },
            );
        }
        group.finish();
    }
}

/// Rules as platforms write them: a global allow list, and the org kinds
/// allowed only through the location that registers the catalog.
const APP_CONFIG: &str = "\
catalog:
  rules:
    - allow: [Component, API, System, Domain, Resource, Location]
  locations:
    - type: file
      target: ./catalog-info.yaml
      rules:
        - allow: [Group, User]
";

criterion_group!(benches, bench);
criterion_main!(benches);
