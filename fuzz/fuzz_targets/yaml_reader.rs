//! The platform-model YAML reader (`platform_model::yaml::parse_stream`) on
//! any bytes, in both schemas.
//!
//! Promises checked: no panic; every document position, error and file-level
//! diagnostic, and every node of every span tree lies inside the input; in
//! the core schema (no merge keys) the span tree has the shape of the value
//! and every node of the value has a span.

#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use platform_fuzz::{assert_diagnostic, assert_line_column, assert_span_in};
use platform_model::yaml::{
    RawSpan, SpanChildren, SpanTree, YamlOptions, YamlSchema, key_hash, parse_stream,
    push_pointer_token,
};
use serde_json::Value;

const FILE: &str = "in.yaml";

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let file: Arc<str> = Arc::from(FILE);
    let sources = HashMap::from([(FILE.to_owned(), text.clone())]);
    for schema in [YamlSchema::Core12, YamlSchema::Yaml11] {
        let options = YamlOptions::default().with_schema(schema);
        let stream = parse_stream(&file, &text, &options);
        for d in &stream.diagnostics {
            assert_diagnostic(d, &sources);
        }
        for (i, doc) in stream.documents.iter().enumerate() {
            assert_eq!(doc.index, i, "documents out of order");
            assert_span_in(&doc.position, &text, &"document position");
            if let Some(error) = &doc.error {
                assert_diagnostic(error, &sources);
                assert!(error.span.is_some(), "YAML error without a span: {error:?}");
                continue;
            }
            check_tree(&doc.spans, &text);
            if schema == YamlSchema::Core12 {
                check_shape(&doc.value, &doc.spans);
            }
        }
    }
});

fn check_raw(span: &RawSpan, text: &str) {
    assert!(
        span.start <= span.end && span.end as usize <= text.len(),
        "raw span {span:?} outside the {}-byte input",
        text.len()
    );
    assert_line_column(text, span.line as usize, span.column as usize, span);
    // Exactly where the byte offset is, counted as the model counts lines.
    if text.is_char_boundary(span.start as usize) {
        assert_eq!(
            (span.line, span.column),
            platform_model::span::line_column(text, span.start as usize),
            "raw span {span:?}: line and column disagree with its offset"
        );
    }
}

/// Every node of the span tree lies inside the input (walked without
/// recursion).
fn check_tree(tree: &SpanTree, text: &str) {
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        check_raw(&node.span, text);
        match &node.children {
            SpanChildren::Leaf => {}
            SpanChildren::Seq(items) => stack.extend(items),
            SpanChildren::Map(entries) => {
                for e in entries {
                    check_raw(&e.key_span, text);
                    stack.push(&e.value);
                }
            }
        }
    }
}

/// The span tree is shaped like the value, every key hash matches, and
/// every pointer of the value resolves exactly.
fn check_shape(value: &Value, tree: &SpanTree) {
    let mut stack = vec![(value, tree, String::new())];
    let mut checked = 0usize;
    while let Some((value, node, pointer)) = stack.pop() {
        checked += 1;
        if checked <= 2_000 && !pointer.is_empty() {
            assert!(tree.locate(&pointer).exact, "no exact span for {pointer:?}");
        }
        match (value, &node.children) {
            (Value::Array(items), SpanChildren::Seq(spans)) => {
                assert_eq!(items.len(), spans.len(), "sequence length at {pointer:?}");
                for (i, (item, span)) in items.iter().zip(spans).enumerate() {
                    let mut p = pointer.clone();
                    push_pointer_token(&mut p, &i.to_string());
                    stack.push((item, span, p));
                }
            }
            (Value::Object(map), SpanChildren::Map(entries)) => {
                assert_eq!(map.len(), entries.len(), "mapping size at {pointer:?}");
                for ((key, item), entry) in map.iter().zip(entries) {
                    assert_eq!(key_hash(key), entry.key_hash, "key order at {pointer:?}");
                    let mut p = pointer.clone();
                    push_pointer_token(&mut p, key);
                    stack.push((item, &entry.value, p));
                }
            }
            (Value::Array(_) | Value::Object(_), children) => {
                panic!("collection at {pointer:?} has span children {children:?}")
            }
            (_, SpanChildren::Leaf) => {}
            (scalar, children) => {
                panic!("scalar {scalar:?} at {pointer:?} has span children {children:?}")
            }
        }
    }
}
