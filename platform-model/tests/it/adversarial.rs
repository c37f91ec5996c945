//! Hostile input, one test per class of issue 8: every case ends in a
//! located diagnostic within a stated memory and time bound (measured in a
//! child process by `platform_test_support::bounded`).

use std::sync::Arc;

use platform_model::Diagnostic;
use platform_model::yaml::{ParsedStream, YamlBudget, YamlOptions, parse_stream};
use platform_test_support::{Limits, bounded};

fn parse(text: &str) -> ParsedStream {
    parse_stream(&Arc::from("hostile.yaml"), text, &YamlOptions::default())
}

/// The first error of a stream: a document's or the file's.
fn first_budget_error(stream: &ParsedStream) -> Diagnostic {
    stream
        .documents
        .iter()
        .filter_map(|d| d.error.clone())
        .chain(stream.diagnostics.iter().cloned())
        .find(|d| d.code == "yaml.budget")
        .unwrap_or_else(|| panic!("a budget error: {:?}", stream.diagnostics))
}

/// Line and column of the `n`th (0-based) occurrence of `needle` in `text`.
fn position_of_nth(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i)
        .expect("occurrence");
    platform_model::span::line_column(text, offset)
}

#[test]
fn scalar_aliases_are_budgeted() {
    // A 1 MiB anchored scalar used 4 000 times would expand to 4 GiB.
    bounded(
        "adversarial::scalar_aliases_are_budgeted",
        Limits::mib(300).seconds(30),
        || {
            let text = format!(
                "a: &big \"{}\"\nb: [{}]\n",
                "x".repeat(1024 * 1024),
                vec!["*big"; 4_000].join(", ")
            );
            let stream = parse(&text);
            let d = first_budget_error(&stream);
            assert!(d.message.contains("bytes of scalar text"), "{}", d.message);
            let span = d.span.as_ref().expect("span");
            // The default 64 MiB is crossed by an alias on line 2: the anchor
            // and its kept copy take 2 MiB, each alias 1 MiB more.
            assert_eq!((span.line, span.column), position_of_nth(&text, "*big", 61));
        },
    );
}

#[test]
fn collection_aliases_count_the_scalars_they_copy() {
    // 100 scalars of 10 KiB anchored once and aliased 1 000 times: few
    // nodes, but 1 GiB of text.
    bounded(
        "adversarial::collection_aliases_count_the_scalars_they_copy",
        Limits::mib(300).seconds(30),
        || {
            let item = "y".repeat(10 * 1024);
            let list = vec![item.as_str(); 100].join(", ");
            let text = format!(
                "a: &list [{list}]\nb: [{}]\n",
                vec!["*list"; 1_000].join(", ")
            );
            let stream = parse(&text);
            let d = first_budget_error(&stream);
            assert!(d.message.contains("bytes of scalar text"), "{}", d.message);
            assert_eq!(d.span.as_ref().map(|s| s.line), Some(2));
        },
    );
}

#[test]
fn budgets_count_the_whole_stream_not_each_document() {
    // 100 documents, each an anchor of 2 KiB aliased 6 000 times: every
    // document stays under a per-document budget, the stream (1.2 GB
    // expanded) does not.
    bounded(
        "adversarial::budgets_count_the_whole_stream_not_each_document",
        Limits::mib(300).seconds(30),
        || {
            let doc = format!(
                "a: &s \"{}\"\nb: [{}]\n",
                "z".repeat(2 * 1024),
                vec!["*s"; 6_000].join(",")
            );
            let text: String = (0..100).map(|_| format!("---\n{doc}")).collect();
            let stream = parse(&text);
            let d = first_budget_error(&stream);
            let span = d.span.as_ref().expect("span");
            // 64 MiB / (6 000 × 2 KiB) : the sixth document crosses the limit.
            assert_eq!(span.line, 5 * 3 + 3, "{d:?}");
            assert!(
                stream.documents.len() < 10,
                "later documents are not parsed"
            );
            let rest = stream.diagnostics.last().expect("the rest is reported");
            assert!(rest.message.contains("were not parsed"), "{}", rest.message);
            assert_eq!(rest.span.as_ref().map(|s| s.line), Some(6 * 3 + 1));
        },
    );
}

#[test]
fn node_budget_counts_every_document() {
    let options = YamlOptions::default().with_budget(YamlBudget::default().with_max_nodes(1_000));
    let doc = format!("items: [{}]\n", vec!["1"; 199].join(", "));
    let text: String = (0..10).map(|_| format!("---\n{doc}")).collect();
    let stream = parse_stream(&Arc::from("many.yaml"), &text, &options);
    // Each document has 202 nodes (mapping, key, sequence, 199 items): the
    // fifth crosses 1 000.
    assert!(stream.documents[..4].iter().all(|d| d.error.is_none()));
    let d = stream.documents[4].error.as_ref().expect("budget");
    assert_eq!(d.code, "yaml.budget");
    assert!(d.message.contains("nodes in this file"), "{}", d.message);
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(4 * 2 + 2));
    assert_eq!(stream.documents.len(), 5);
}

#[test]
fn anchored_copies_are_budgeted() {
    // Nested anchors each keep a copy of everything below them.
    let options = YamlOptions::default().with_budget(YamlBudget::default().with_max_nodes(50_000));
    let list = vec!["1"; 10_000].join(",");
    let text = format!("{}[{list}]{}\n", "&a [".repeat(20), "]".repeat(20));
    let stream = parse_stream(&Arc::from("anchors.yaml"), &text, &options);
    let d = stream.documents[0].error.as_ref().expect("budget");
    assert_eq!(d.code, "yaml.budget", "{d:?}");
}

#[test]
fn alias_keys_count_their_text() {
    let options =
        YamlOptions::default().with_budget(YamlBudget::default().with_max_scalar_bytes(100_000));
    let key = "k".repeat(1_000);
    let values: String = (0..200).map(|i| format!("  - *k : {i}\n")).collect();
    let text = format!("a: &k {key}\nm:\n{values}");
    let stream = parse_stream(&Arc::from("keys.yaml"), &text, &options);
    let d = first_budget_error(&stream);
    assert!(d.message.contains("scalar text"), "{}", d.message);
    // 1 000 bytes for the anchor, 1 000 for its copy, 1 000 per use.
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(3 + 97));
}
