//! Performance bands of the four keys: elite, high, medium, low.
//!
//! Elite is the article's table (multiple deployments a day, lead time under
//! one hour, change failure rate under 5 %, recovery under one hour). High
//! and medium are the 2023 Accelerate State of DevOps report's software
//! delivery performance levels (DORA / Google Cloud, 2023, "How do you
//! compare?"): deployment frequency between once per day and once per week
//! (high) or once per week and once per month (medium); change lead time
//! between one day and one week (high) or one week and one month (medium);
//! change failure rate 10 % (high) and 15 % (medium); failed deployment
//! recovery time less than one day (high) or between one day and one week
//! (medium). Whatever meets no limit is low (the report's low level: change
//! failure rate 64 %, recovery between one month and six months).
//!
//! The format of the limits is on [`Thresholds`].

use std::sync::Arc;

use platform_model::yaml::{YamlOptions, parse_stream};
use platform_model::{Diagnostic, Span};
use serde::Serialize;
use serde_json::Value;

use crate::codes;

/// A performance band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// Meets the elite limit.
    Elite,
    /// Meets the high limit.
    High,
    /// Meets the medium limit.
    Medium,
    /// Meets none.
    Low,
}

impl Band {
    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Elite => "elite",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// How a value is compared with a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Comparison {
    /// `<`
    Below,
    /// `<=`
    AtMost,
    /// `>`
    Above,
    /// `>=`
    AtLeast,
}

/// One limit: a value meets it when `value <op> limit`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Limit {
    /// The comparison.
    pub comparison: Comparison,
    /// The number compared with.
    pub value: f64,
}

impl Limit {
    const fn new(comparison: Comparison, value: f64) -> Self {
        Self { comparison, value }
    }

    /// Whether `value` meets the limit.
    #[must_use]
    pub fn is_met_by(&self, value: f64) -> bool {
        match self.comparison {
            Comparison::Below => value < self.value,
            Comparison::AtMost => value <= self.value,
            Comparison::Above => value > self.value,
            Comparison::AtLeast => value >= self.value,
        }
    }

    /// Reads `"< 1"`, `"<= 168"`, `"> 1"`, `">= 0.5"`; with `percent`, a
    /// trailing `%` divides by 100.
    fn parse(text: &str, percent: bool) -> Result<Self, String> {
        let t = text.trim();
        let (comparison, rest) = if let Some(r) = t.strip_prefix("<=") {
            (Comparison::AtMost, r)
        } else if let Some(r) = t.strip_prefix(">=") {
            (Comparison::AtLeast, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (Comparison::Below, r)
        } else if let Some(r) = t.strip_prefix('>') {
            (Comparison::Above, r)
        } else {
            return Err(format!(
                "`{t}` needs a comparison first: `<`, `<=`, `>` or `>=`"
            ));
        };
        let rest = rest.trim();
        let (number, scale) = match rest.strip_suffix('%') {
            Some(n) if percent => (n.trim(), 0.01),
            Some(_) => return Err(format!("`{t}`: `%` is only for the change failure rate")),
            None => (rest, 1.0),
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("`{number}` is not a number"))?;
        Ok(Self::new(comparison, value * scale))
    }
}

/// The elite, high and medium limits of one key.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KeyLimits {
    /// Elite when met.
    pub elite: Limit,
    /// High when met (and elite is not).
    pub high: Limit,
    /// Medium when met (and high is not).
    pub medium: Limit,
}

impl KeyLimits {
    /// The band of `value`.
    #[must_use]
    pub fn band(&self, value: f64) -> Band {
        if self.elite.is_met_by(value) {
            Band::Elite
        } else if self.high.is_met_by(value) {
            Band::High
        } else if self.medium.is_met_by(value) {
            Band::Medium
        } else {
            Band::Low
        }
    }
}

/// The limits of the four keys. [`Thresholds::default`] is the article's
/// elite row and the 2023 report's high and medium levels (see the
/// [`dora`](crate::dora) module).
///
/// Every limit is an operator and a number, overridable in YAML:
///
/// ```yaml
/// deployment_frequency:   # successful deployments per day
///   elite: "> 1"
///   high: ">= 0.142857"   # once a week
///   medium: ">= 0.033333" # once in 30 days
/// lead_time:              # hours
///   elite: "< 1"
/// change_failure_rate:    # a fraction, or a percentage with `%`
///   elite: "< 5%"
/// recovery_time:          # hours
///   high: "< 24"
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Thresholds {
    /// Successful deployments per day.
    pub deployment_frequency: KeyLimits,
    /// Median lead time for changes, in hours.
    pub lead_time: KeyLimits,
    /// Change failure rate, a fraction.
    pub change_failure_rate: KeyLimits,
    /// Median failed-deployment recovery time, in hours.
    pub recovery_time: KeyLimits,
}

impl Default for Thresholds {
    fn default() -> Self {
        use Comparison::{Above, AtLeast, AtMost, Below};
        Self {
            // Multiple a day; at least once a week; at least once a month.
            deployment_frequency: KeyLimits {
                elite: Limit::new(Above, 1.0),
                high: Limit::new(AtLeast, 1.0 / 7.0),
                medium: Limit::new(AtLeast, 1.0 / 30.0),
            },
            // Under an hour; up to a week; up to a month.
            lead_time: KeyLimits {
                elite: Limit::new(Below, 1.0),
                high: Limit::new(AtMost, 7.0 * 24.0),
                medium: Limit::new(AtMost, 30.0 * 24.0),
            },
            // Under 5 %; up to 10 %; up to 15 %.
            change_failure_rate: KeyLimits {
                elite: Limit::new(Below, 0.05),
                high: Limit::new(AtMost, 0.10),
                medium: Limit::new(AtMost, 0.15),
            },
            // Under an hour; under a day; up to a week.
            recovery_time: KeyLimits {
                elite: Limit::new(Below, 1.0),
                high: Limit::new(Below, 24.0),
                medium: Limit::new(AtMost, 7.0 * 24.0),
            },
        }
    }
}

impl Thresholds {
    /// Reads overrides from YAML (the format above):
    /// what the file names replaces the default, the rest stays.
    ///
    /// # Errors
    ///
    /// Located diagnostics (`dora.thresholds`, or YAML's own) for every
    /// problem; nothing is applied then.
    pub fn from_yaml(file: &str, text: &str) -> Result<Self, Vec<Diagnostic>> {
        let name: Arc<str> = file.into();
        let stream = parse_stream(&name, text, &YamlOptions::default());
        let mut problems = stream.diagnostics;
        let mut thresholds = Self::default();
        for doc in &stream.documents {
            if let Some(error) = &doc.error {
                problems.push(error.clone());
                continue;
            }
            let Some(map) = doc.value.as_object() else {
                if !doc.value.is_null() {
                    problems.push(problem(
                        doc.value_span(""),
                        "",
                        "expected a mapping of keys",
                    ));
                }
                continue;
            };
            for (key, value) in map {
                let pointer = format!("/{key}");
                let (limits, percent) = match key.as_str() {
                    "deployment_frequency" => (&mut thresholds.deployment_frequency, false),
                    "lead_time" => (&mut thresholds.lead_time, false),
                    "change_failure_rate" => (&mut thresholds.change_failure_rate, true),
                    "recovery_time" => (&mut thresholds.recovery_time, false),
                    other => {
                        problems.push(problem(
                            doc.key_span(&pointer),
                            &pointer,
                            &format!("unknown key `{other}`; expected deployment_frequency, lead_time, change_failure_rate or recovery_time"),
                        ));
                        continue;
                    }
                };
                let Some(bands) = value.as_object() else {
                    problems.push(problem(
                        doc.value_span(&pointer),
                        &pointer,
                        "expected elite, high and medium limits",
                    ));
                    continue;
                };
                for (band, limit) in bands {
                    let at = format!("{pointer}/{band}");
                    let slot = match band.as_str() {
                        "elite" => &mut limits.elite,
                        "high" => &mut limits.high,
                        "medium" => &mut limits.medium,
                        other => {
                            problems.push(problem(
                                doc.key_span(&at),
                                &at,
                                &format!("unknown band `{other}`; expected elite, high or medium (low is what meets none)"),
                            ));
                            continue;
                        }
                    };
                    let text = match limit {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => String::new(),
                    };
                    match Limit::parse(&text, percent) {
                        Ok(parsed) => *slot = parsed,
                        Err(message) => problems.push(problem(doc.value_span(&at), &at, &message)),
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(thresholds)
        } else {
            Err(problems)
        }
    }
}

fn problem(span: Span, pointer: &str, message: &str) -> Diagnostic {
    Diagnostic::error(codes::DORA_THRESHOLDS, message)
        .with_path(pointer)
        .with_span(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_at_their_boundaries() {
        let t = Thresholds::default();
        // Exactly once a day is not "multiple per day".
        assert_eq!(t.deployment_frequency.band(1.0), Band::High);
        assert_eq!(t.deployment_frequency.band(1.0001), Band::Elite);
        assert_eq!(t.deployment_frequency.band(1.0 / 7.0), Band::High);
        assert_eq!(t.deployment_frequency.band(1.0 / 30.0), Band::Medium);
        assert_eq!(t.deployment_frequency.band(0.0), Band::Low);
        assert_eq!(t.lead_time.band(1.0), Band::High);
        assert_eq!(t.lead_time.band(168.0), Band::High);
        assert_eq!(t.lead_time.band(720.0), Band::Medium);
        assert_eq!(t.lead_time.band(720.5), Band::Low);
        assert_eq!(t.change_failure_rate.band(0.05), Band::High);
        assert_eq!(t.change_failure_rate.band(0.15), Band::Medium);
        assert_eq!(t.change_failure_rate.band(0.16), Band::Low);
        assert_eq!(t.recovery_time.band(24.0), Band::Medium);
        assert_eq!(t.recovery_time.band(168.0), Band::Medium);
    }

    #[test]
    fn overrides_from_yaml() {
        let t = Thresholds::from_yaml(
            "t.yaml",
            "lead_time:\n  elite: \"< 24\"\nchange_failure_rate:\n  elite: \"<= 10%\"\n",
        )
        .expect("valid");
        assert_eq!(t.lead_time.band(23.0), Band::Elite);
        assert_eq!(t.change_failure_rate.band(0.10), Band::Elite);
        assert_eq!(t.recovery_time, Thresholds::default().recovery_time);
        let errors = Thresholds::from_yaml(
            "t.yaml",
            "lead_time:\n  elite: 1\n  great: \"< 1\"\nspeed: {}\n",
        )
        .expect_err("invalid");
        assert_eq!(errors.len(), 3);
        let lines: Vec<u32> = errors
            .iter()
            .filter_map(|d| d.span.as_ref().map(|s| s.line))
            .collect();
        assert_eq!(lines, [2, 3, 4]);
    }
}
