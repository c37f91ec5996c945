//! Instants in event files and window bounds: RFC 3339 timestamps (an offset
//! is required, so an event never silently takes the machine's time zone),
//! and plain dates for `--since`/`--until` (midnight UTC).

use jiff::Timestamp;
use jiff::civil::Date;

/// Reads an RFC 3339 timestamp (`2026-11-03T10:15:00Z`,
/// `2026-11-03T12:15:00+02:00`).
///
/// # Errors
///
/// A message saying what was expected.
pub fn parse_instant(text: &str) -> Result<Timestamp, String> {
    let trimmed = text.trim();
    trimmed.parse::<Timestamp>().map_err(|_| {
        if as_date(trimmed).is_some() {
            format!("`{trimmed}` is a date; an event needs a time with an offset, such as `{trimmed}T00:00:00Z`")
        } else if trimmed.parse::<jiff::civil::DateTime>().is_ok() {
            format!("`{trimmed}` has no UTC offset; add it (`Z` for UTC, or such as `+02:00`)")
        } else {
            format!("`{trimmed}` is not an RFC 3339 timestamp (such as `2026-11-03T10:15:00Z`)")
        }
    })
}

/// A plain `YYYY-MM-DD` date (jiff's date parser also takes a date and time
/// and drops the time; a bound must not).
fn as_date(text: &str) -> Option<Date> {
    (text.len() == 10)
        .then(|| text.parse::<Date>().ok())
        .flatten()
}

/// Reads a window bound: an RFC 3339 timestamp, or a date (`2026-11-01`,
/// midnight UTC of that day).
///
/// # Errors
///
/// A message saying what was expected.
pub fn parse_bound(text: &str) -> Result<Timestamp, String> {
    let trimmed = text.trim();
    if let Some(date) = as_date(trimmed) {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| format!("`{trimmed}`: {e}"));
    }
    trimmed.parse::<Timestamp>().map_err(|_| {
        format!("`{trimmed}` is neither a date (`2026-11-01`) nor an RFC 3339 timestamp")
    })
}

/// Hours from `from` to `to` (negative when `to` is earlier).
#[must_use]
pub fn hours_between(from: Timestamp, to: Timestamp) -> f64 {
    let seconds = to.as_second() - from.as_second();
    let nanos = i64::from(to.subsec_nanosecond()) - i64::from(from.subsec_nanosecond());
    #[allow(clippy::cast_precision_loss)]
    let hours = (seconds as f64 + nanos as f64 / 1e9) / 3600.0;
    hours
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_need_an_offset() {
        let t = parse_instant("2026-11-03T12:15:00+02:00").expect("offset");
        assert_eq!(t, parse_instant("2026-11-03T10:15:00Z").expect("utc"));
        let err = parse_instant("2026-11-03").expect_err("date");
        assert!(err.contains("is a date"), "{err}");
        let err = parse_instant("yesterday").expect_err("text");
        assert!(err.contains("not an RFC 3339"), "{err}");
        let err = parse_instant("2026-11-03 10:15").expect_err("no offset");
        assert!(err.contains("no UTC offset"), "{err}");
    }

    #[test]
    fn bounds_take_dates() {
        let day = parse_bound("2026-11-01").expect("date");
        assert_eq!(day, parse_instant("2026-11-01T00:00:00Z").expect("ts"));
        assert!(parse_bound("November").is_err());
        assert!(
            parse_bound("2026-11-01 10:00").is_err(),
            "a time without offset is no bound"
        );
        assert!((hours_between(day, parse_bound("2026-11-02").expect("d")) - 24.0).abs() < 1e-9);
    }
}
