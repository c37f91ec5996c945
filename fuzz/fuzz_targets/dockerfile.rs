//! The platform-policy Dockerfile parser
//! (`platform_policy::dockerfile::Dockerfile::parse`, `stage_variables`,
//! `span_of`, `expand`) on any bytes.
//!
//! Promises checked: no panic, no unbounded memory; every instruction,
//! comment and syntax error is located inside the file; lines are ordered;
//! stages point at `FROM` instructions that exist.

#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use platform_fuzz::{assert_span_in, line_count};
use platform_policy::dockerfile::{Dockerfile, expand};

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let file: Arc<str> = Arc::from("Dockerfile");
    let df = Dockerfile::parse(Arc::clone(&file), &text);
    let lines = line_count(&text) as u32;

    for e in &df.errors {
        assert_span_in(&e.span, &text, e);
    }
    for c in &df.comments {
        assert_span_in(&c.span, &text, c);
        assert_eq!(c.line, c.span.line, "comment line and span disagree: {c:?}");
    }
    for (i, ins) in df.instructions.iter().enumerate() {
        assert_span_in(&ins.span, &text, ins);
        assert!(
            1 <= ins.line && ins.line <= ins.end_line && ins.end_line <= lines,
            "instruction {i} lines {}..{} of {lines}",
            ins.line,
            ins.end_line
        );
        assert!(
            ins.args_offset <= text.len(),
            "args_offset past the end: {ins:?}"
        );
        if let Some(stage) = ins.stage {
            assert!(
                stage < df.stages.len(),
                "instruction {i} in stage {stage} of {}",
                df.stages.len()
            );
        }
        let _ = (ins.text(), ins.script());
        for needle in ["$", "--", "/", "apt-get", "USER"] {
            if let Some(span) = df.span_of(i, needle, &text) {
                assert_span_in(&span, &text, &("span_of", i, needle));
            }
        }
    }
    for w in df.instructions.windows(2) {
        assert!(w[0].line <= w[1].line, "instructions out of order");
    }
    for stage in &df.stages {
        let from = df.instructions.get(stage.from).unwrap_or_else(|| {
            panic!("stage {} points at instruction {}", stage.index, stage.from)
        });
        assert_eq!(
            from.keyword, "FROM",
            "stage {} does not start with FROM",
            stage.index
        );
        for &i in &stage.instructions {
            assert!(
                i < df.instructions.len(),
                "stage instruction {i} does not exist"
            );
        }
        let vars = df.stage_variables(stage);
        for ins in df.stage_instructions(stage) {
            let _ = expand(&ins.text(), &vars);
        }
    }
    let _ = df.final_stage();
    let _ = expand(&text, &HashMap::new());
});
