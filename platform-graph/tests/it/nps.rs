//! Developer NPS from a survey with the article's five questions.

use std::path::Path;

use platform_graph::codes;
use platform_graph::nps::{Reading, survey_nps};

#[test]
fn survey_rounds_teams_and_a_bad_score() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dora/survey.csv"),
    )
    .expect("fixture");
    let report = survey_nps("survey.csv", &text);
    // 8 scores: 10, 9, 10, 9 promote; 8, 7 are passive; 6, 3 detract.
    assert_eq!(report.overall.responses, 8);
    assert_eq!(
        (
            report.overall.promoters,
            report.overall.passives,
            report.overall.detractors
        ),
        (4, 2, 2)
    );
    assert_eq!(report.overall.nps, 25.0);
    assert_eq!(report.overall.reading, Reading::Positive);
    assert_eq!(report.rejected, 1);
    let bad = &report.diagnostics[0];
    assert_eq!(bad.code, codes::NPS_SCORE);
    let span = bad.span.as_ref().expect("located");
    assert_eq!((span.line, span.column), (10, 23));
    let q3 = report
        .rounds
        .iter()
        .find(|r| r.round.as_deref() == Some("2026-Q3") && r.team.is_none())
        .expect("Q3");
    assert_eq!(q3.nps, -25.0);
    assert_eq!(q3.reading, Reading::WorkedAround);
    let q4 = report
        .rounds
        .iter()
        .find(|r| r.round.as_deref() == Some("2026-Q4") && r.team.is_none())
        .expect("Q4");
    assert_eq!((q4.nps, q4.change), (75.0, Some(100.0)));
    let teams: Vec<(&str, f64)> = report
        .teams
        .iter()
        .map(|t| (t.team.as_deref().unwrap_or(""), t.nps))
        .collect();
    assert_eq!(teams, [("payments-team", 25.0), ("platform-team", 25.0)]);
    insta::assert_snapshot!("nps_text", report.to_text());
}
