//! Developer Net Promoter Score from a survey CSV: one row a response, a
//! 0–10 score (the article's "How likely are you to recommend our platform
//! to a new hire?"), optional `team` and `round` columns, and any free-text
//! columns (the article's other questions, kept out of the score).
//!
//! NPS = % promoters (9–10) − % detractors (0–6). The article reads it:
//! 30 or more is excellent, 0 means serious problems, below 0 developers
//! work around the platform.
//!
//! ```
//! use platform_graph::nps::{Reading, survey_nps};
//! let survey = survey_nps("survey.csv", "team,score\npayments,10\npayments,9\nsearch,3\nsearch,8\n");
//! assert_eq!(survey.overall.responses, 4);
//! assert_eq!(survey.overall.nps, 25.0);
//! assert_eq!(survey.overall.reading, Reading::Positive);
//! assert_eq!(survey.teams[0].team.as_deref(), Some("payments"));
//! assert_eq!(survey.teams[0].nps, 100.0);
//! ```

use std::fmt::Write as _;
use std::sync::Arc;

use platform_model::Diagnostic;
use serde::Serialize;

use crate::codes;
use crate::dora::rows_for_survey;

/// What an NPS means, as the article reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// 30 or more.
    Excellent,
    /// Above 0, below 30.
    Positive,
    /// Exactly 0: serious problems.
    SeriousProblems,
    /// Below 0: developers actively work around the platform.
    WorkedAround,
}

impl Reading {
    /// The reading of a score.
    #[must_use]
    pub fn of(nps: f64) -> Self {
        if nps >= 30.0 {
            Self::Excellent
        } else if nps > 0.0 {
            Self::Positive
        } else if nps == 0.0 {
            Self::SeriousProblems
        } else {
            Self::WorkedAround
        }
    }

    /// A sentence for reports.
    #[must_use]
    pub fn text(self) -> &'static str {
        match self {
            Self::Excellent => "excellent (30 or more)",
            Self::Positive => "positive, short of excellent (30)",
            Self::SeriousProblems => "serious problems (0)",
            Self::WorkedAround => "developers work around the platform (negative)",
        }
    }
}

/// The score of one group of responses.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Score {
    /// The team (`None` overall, or for responses without one).
    pub team: Option<String>,
    /// The round (`None` over all rounds).
    pub round: Option<String>,
    /// Responses counted.
    pub responses: u64,
    /// Scores of 9 or 10.
    pub promoters: u64,
    /// Scores of 7 or 8.
    pub passives: u64,
    /// Scores of 0 to 6.
    pub detractors: u64,
    /// % promoters − % detractors (0 without responses).
    pub nps: f64,
    /// What it means.
    pub reading: Reading,
    /// The change since the previous round (per round only, from the second).
    pub change: Option<f64>,
}

/// The survey's scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SurveyReport {
    /// Every response.
    pub overall: Score,
    /// Per team, by name (responses without a team are not in a team).
    pub teams: Vec<Score>,
    /// Per round in the order rounds first appear, overall (`team: null`)
    /// and per team, each with its change since the team's previous round.
    pub rounds: Vec<Score>,
    /// Rows left out.
    pub rejected: u64,
    /// Why.
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    promoters: u64,
    passives: u64,
    detractors: u64,
}

impl Counts {
    fn add(&mut self, score: u8) {
        match score {
            9..=10 => self.promoters += 1,
            7..=8 => self.passives += 1,
            _ => self.detractors += 1,
        }
    }

    fn score(self, team: Option<String>, round: Option<String>) -> Score {
        let responses = self.promoters + self.passives + self.detractors;
        #[allow(clippy::cast_precision_loss)]
        let nps = if responses == 0 {
            0.0
        } else {
            (self.promoters as f64 - self.detractors as f64) * 100.0 / responses as f64
        };
        Score {
            team,
            round,
            responses,
            promoters: self.promoters,
            passives: self.passives,
            detractors: self.detractors,
            nps,
            reading: Reading::of(nps),
            change: None,
        }
    }
}

/// The score column: `score`, `nps`, or a header that mentions
/// "recommend" (the article's question as the column title).
fn score_column(header: &[String]) -> Option<usize> {
    header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("score") || h.eq_ignore_ascii_case("nps"))
        .or_else(|| {
            header
                .iter()
                .position(|h| h.to_ascii_lowercase().contains("recommend"))
        })
}

/// Scores a survey CSV (`file` names it in diagnostics).
#[must_use]
pub fn survey_nps(file: &str, text: &str) -> SurveyReport {
    let name: Arc<str> = file.into();
    let rows = rows_for_survey(&name, text);
    let mut report = SurveyReport {
        overall: Counts::default().score(None, None),
        teams: Vec::new(),
        rounds: Vec::new(),
        rejected: u64::try_from(rows.rejected).unwrap_or(u64::MAX),
        diagnostics: rows.diagnostics,
    };
    let Some(column) = score_column(&rows.header) else {
        if !rows.header.is_empty() || report.diagnostics.is_empty() {
            report.diagnostics.push(
                Diagnostic::error(
                    codes::NPS_FORMAT,
                    "no score column: name one `score`, `nps`, or put \"recommend\" in its title",
                )
                .with_span(platform_model::Span::file_start(Arc::clone(&name))),
            );
        }
        report.rejected += u64::try_from(rows.records.len()).unwrap_or(u64::MAX);
        return report;
    };
    let find = |wanted: &str| {
        rows.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(wanted))
    };
    let (team_column, round_column) = (find("team"), find("round"));
    let mut overall = Counts::default();
    let mut teams: std::collections::BTreeMap<String, Counts> = std::collections::BTreeMap::new();
    let mut round_order: Vec<String> = Vec::new();
    let mut rounds: std::collections::HashMap<(String, Option<String>), Counts> =
        std::collections::HashMap::new();
    for (record, spans) in &rows.records {
        let text = record.get(column).map_or("", |s| s.trim());
        let span = spans
            .get(column)
            .cloned()
            .unwrap_or_else(|| platform_model::Span::file_start(Arc::clone(&name)));
        let Some(score) = text.parse::<u8>().ok().filter(|s| *s <= 10) else {
            report.rejected += 1;
            report.diagnostics.push(
                Diagnostic::error(
                    codes::NPS_SCORE,
                    format!("`{text}` is not a score from 0 to 10"),
                )
                .with_path(format!("/{}/{}", span.line, rows.header[column]).as_str())
                .with_span(span),
            );
            continue;
        };
        let team = team_column
            .and_then(|c| record.get(c))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        overall.add(score);
        if let Some(team) = &team {
            teams.entry(team.clone()).or_default().add(score);
        }
        if let Some(round) = round_column
            .and_then(|c| record.get(c))
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
        {
            if !round_order.contains(&round) {
                round_order.push(round.clone());
            }
            rounds.entry((round.clone(), None)).or_default().add(score);
            if team.is_some() {
                rounds.entry((round, team)).or_default().add(score);
            }
        }
    }
    report.overall = overall.score(None, None);
    report.teams = teams
        .into_iter()
        .map(|(team, counts)| counts.score(Some(team), None))
        .collect();
    let mut team_names: Vec<Option<String>> = vec![None];
    team_names.extend(report.teams.iter().map(|t| t.team.clone()));
    for team in team_names {
        let mut previous: Option<f64> = None;
        for round in &round_order {
            if let Some(counts) = rounds.get(&(round.clone(), team.clone())) {
                let mut score = counts.score(team.clone(), Some(round.clone()));
                score.change = previous.map(|p| score.nps - p);
                previous = Some(score.nps);
                report.rounds.push(score);
            }
        }
    }
    report
}

impl SurveyReport {
    /// The scores as a table.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, label: &str, s: &Score| {
            let change = s
                .change
                .map(|c| format!(" ({c:+.0} since the previous round)"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {label:24} NPS {:>4.0}  {:>4} responses ({} promoters, {} passives, {} detractors)  {}{change}",
                s.nps,
                s.responses,
                s.promoters,
                s.passives,
                s.detractors,
                s.reading.text()
            );
        };
        let _ = writeln!(out, "Developer NPS");
        line(&mut out, "overall", &self.overall);
        if !self.teams.is_empty() {
            let _ = writeln!(out, "\nTeams");
            for t in &self.teams {
                line(&mut out, t.team.as_deref().unwrap_or(""), t);
            }
        }
        if !self.rounds.is_empty() {
            let _ = writeln!(out, "\nRounds");
            for r in &self.rounds {
                let label = format!(
                    "{} {}",
                    r.round.as_deref().unwrap_or(""),
                    r.team.as_deref().unwrap_or("overall")
                );
                line(&mut out, &label, r);
            }
        }
        if self.rejected > 0 {
            let _ = writeln!(
                out,
                "\n{} row{} left out",
                self.rejected,
                if self.rejected == 1 { "" } else { "s" }
            );
        }
        out.trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_at_their_boundaries() {
        assert_eq!(Reading::of(30.0), Reading::Excellent);
        assert_eq!(Reading::of(29.9), Reading::Positive);
        assert_eq!(Reading::of(0.0), Reading::SeriousProblems);
        assert_eq!(Reading::of(-0.1), Reading::WorkedAround);
    }

    #[test]
    fn rounds_trend_and_bad_rows() {
        let text = "round,team,How likely are you to recommend our platform to a new hire? (0-10),friction\n\
                    2026-Q3,payments,6,\"slow, flaky CI\"\n\
                    2026-Q3,payments,9,\n\
                    2026-Q4,payments,10,\n\
                    2026-Q4,payments,9,\n\
                    2026-Q4,search,eleven,\n";
        let report = survey_nps("s.csv", text);
        assert_eq!(report.overall.responses, 4);
        assert_eq!(report.rejected, 1);
        let span = report.diagnostics[0].span.as_ref().expect("span");
        assert_eq!(span.line, 6);
        let q4 = report
            .rounds
            .iter()
            .find(|r| r.round.as_deref() == Some("2026-Q4") && r.team.is_none())
            .expect("q4");
        assert_eq!(q4.nps, 100.0);
        assert_eq!(q4.change, Some(100.0));
        let none = survey_nps("s.csv", "team,comment\na,b\n");
        assert_eq!(none.rejected, 1);
        assert_eq!(none.diagnostics[0].code, codes::NPS_FORMAT);
    }
}
