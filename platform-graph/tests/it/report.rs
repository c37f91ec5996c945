//! Several questions answered in one report, as `platform graph` prints it.

use platform_graph::cost::{CostOptions, parse_costs};
use platform_graph::{Questions, ReportOptions};

use crate::problems::graph;

#[test]
fn problems_serialize_as_flat_diagnostic_records() {
    let graph = graph();
    let report = graph
        .answer(&Questions::new().with_problems(true))
        .expect("answer");
    assert!(report.has_errors(), "the fixture has a missing owner");
    let json = serde_json::to_value(&report).expect("json");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["problems"], "only the question asked is answered");
    let problems = json["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), graph.problems().len());
    for (record, problem) in problems.iter().zip(graph.problems()) {
        let d = &problem.diagnostic;
        assert_eq!(record["code"], *d.code);
        assert_eq!(record["rule"], *d.code, "the first key stays until 0.2");
        assert_eq!(record["severity"], d.severity.as_str());
        assert_eq!(record["message"], d.message);
        let span = d.span.as_ref().expect("graph problems are located");
        assert_eq!(record["file"], *span.file);
        assert_eq!(record["line"], span.line);
        assert_eq!(record["column"], span.column);
        assert_eq!(record["path"].as_str(), d.path.as_deref());
    }
}

#[test]
fn text_lists_each_answer_and_counts_problems() {
    let graph = graph();
    let costs = parse_costs("costs.csv", "cart,10\n").expect("costs");
    let report = graph
        .answer(
            &Questions::new()
                .with_cycles(true)
                .with_problems(true)
                .with_costs(costs, CostOptions::default())
                .with_report_options(ReportOptions::new().with_max_path_len(4)),
        )
        .expect("answer");
    let mut rendered = 0;
    let text = report.to_text(|d| {
        rendered += 1;
        format!("<{}>", d.code)
    });
    let problems = report.problems.as_ref().expect("problems").len();
    assert_eq!(rendered, problems);
    assert!(text.contains(&format!("\n{problems} problems\n")), "{text}");
    assert!(text.contains(" cycle: "), "{text}");
    assert!(text.contains("total 10.00"), "{text}");
}

#[test]
fn unknown_references_are_errors_not_answers() {
    let graph = graph();
    let err = graph
        .answer(&Questions::new().with_impact(["component:nope"]))
        .expect_err("unknown");
    assert!(
        matches!(err, platform_graph::Error::UnknownEntity { .. }),
        "{err}"
    );
    assert!(Questions::new().is_empty());
    assert!(!Questions::new().with_cycles(true).is_empty());
}
