//! `fetch:template` over a 1 000-file skeleton (40-line files, templated
//! names, 20 directories) rendered to disk, through the whole run (values
//! checked, staging directory, move into place). The skeleton's path
//! templates repeat, so each distinct template is compiled once.
//! `cargo bench -p platform-benches --bench scaffold`.

use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use platform_scaffold::actions::ActionRegistry;
use platform_scaffold::{Scaffolder, Secrets, Target, Template};

/// Writes the skeleton and its template into `dir`.
fn skeleton(dir: &Path, files: usize, dirs: usize) {
    for d in 0..dirs {
        let sub = dir.join(format!("skeleton/${{{{ values.name }}}}-module-{d:02}"));
        std::fs::create_dir_all(&sub).expect("dir");
    }
    for f in 0..files {
        let d = f % dirs;
        let mut text = String::new();
        text.push_str(&format!("// Package ${{{{ values.name | replace('-', '_') }}}} file {f}, owned by ${{{{ values.owner }}}}.\n"));
        text.push_str("package ${{ values.name | replace('-', '_') }}\n\n");
        for line in 0..36 {
            match line % 6 {
                0 => text.push_str(&format!("const name{line} = \"${{{{ values.name }}}}-{line}\"\n")),
                1 => text.push_str(&format!("// replicas: ${{{{ values.replicas }}}}, database: ${{{{ values.database | upper }}}} ({line})\n")),
                2 => text.push_str(&format!("{{% if values.pci %}}// pci scope {line}{{% endif %}}\n")),
                _ => text.push_str(&format!("func f{f}_{line}() int {{ return {line} }}\n")),
            }
        }
        text.push_str("// end\n");
        let path = dir.join(format!(
            "skeleton/${{{{ values.name }}}}-module-{d:02}/${{{{ values.name }}}}_{f:04}.go"
        ));
        std::fs::write(path, text).expect("write");
    }
    std::fs::write(
        dir.join("template.yaml"),
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: bench}\nspec:\n  type: service\n  steps:\n    - action: fetch:template\n      input:\n        url: ./skeleton\n        values: {name: payment-processor, owner: payments-team, replicas: 3, database: postgres, pci: true}\n",
    )
    .expect("template");
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    skeleton(dir.path(), 1_000, 20);
    let template = Template::load(&dir.path().join("template.yaml")).expect("template");
    let scaffolder = Scaffolder::new(ActionRegistry::with_builtins());
    let values = serde_json::json!({});
    let out_root = tempfile::tempdir().expect("out");
    let mut run = 0usize;
    let mut group = c.benchmark_group("scaffold");
    group.sample_size(20);
    group.bench_function("fetch-template-1000-files", |b| {
        b.iter_batched(
            || {
                run += 1;
                out_root.path().join(format!("run-{run}"))
            },
            |out| {
                let report = scaffolder
                    .run(&template, &values, &Secrets::new(), Target::Directory(&out))
                    .expect("run");
                assert_eq!(report.steps.len(), 1);
                out
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
