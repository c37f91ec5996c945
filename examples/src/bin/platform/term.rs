//! Every line the CLI prints goes through here: control characters of
//! input text (file names, entity names, messages quoting input, source
//! snippets) are escaped so that no input can drive the terminal.
//!
//! Escaped: C0 controls but tab and newline (`\x1b`, `\r`, `\0`…), DEL
//! (`\x7f`), C1 controls (`\u{9b}`), bidirectional overrides and isolates
//! (`\u{202e}`) and the line and paragraph separators. When the stream is
//! a terminal, the colour sequences the CLI's own renderers write
//! (`ESC [ … m`, SGR, without conceal) are kept; every other escape
//! sequence is escaped. JSON output escapes the same characters as
//! `\uXXXX` (serde escapes only C0), so it stays valid JSON.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use platform_model::Diagnostic;
use platform_model::render::{RenderOptions, render};
use serde::Serialize;

/// Whether `c` is escaped in text output.
fn is_escaped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Whether any character of `text` would be escaped.
pub(crate) fn has_controls(text: &str) -> bool {
    text.chars().any(is_escaped)
}

/// The length of the SGR colour sequence at the start of `text` (which
/// starts with ESC), when it is one the CLI's renderers write: `ESC [`,
/// numeric parameters, `m`, and no conceal (8) among them.
fn colour_sequence(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("\u{1b}[")?;
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    if !rest[end..].starts_with('m') || end > 64 {
        return None;
    }
    let mut params = rest[..end].split(';');
    while let Some(p) = params.next() {
        match p {
            // Extended colours: `38;5;N` or `38;2;R;G;B`.
            "38" | "48" | "58" => match params.next() {
                Some("5") => {
                    params.next();
                }
                Some("2") => {
                    params.next();
                    params.next();
                    params.next();
                }
                _ => return None,
            },
            "8" | "08" => return None,
            _ => {}
        }
    }
    Some(2 + end + 1)
}

/// `text` with every control character escaped (`\x1b`, `\u{9b}`…);
/// with `keep_colour`, the colour sequences of the CLI's renderers stay.
pub(crate) fn escape_controls(text: &str, keep_colour: bool) -> Cow<'_, str> {
    if !has_controls(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_escaped(c)) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(len) = colour_sequence(tail).filter(|_| keep_colour) {
            out.push_str(&tail[..len]);
            rest = &tail[len..];
            continue;
        }
        match c {
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
        rest = &tail[c.len_utf8()..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn write_line(mut to: impl Write, text: &str, keep_colour: bool) -> std::io::Result<()> {
    let text = escape_controls(text, keep_colour);
    to.write_all(text.as_bytes())?;
    to.write_all(b"\n")
}

/// Writes a line to stdout, control characters escaped (the renderers'
/// colours kept on a terminal); a closed pipe (`platform … | head`) is not
/// an error.
pub(crate) fn emit(text: &str) -> Result<(), String> {
    let stdout = std::io::stdout();
    let colour = stdout.is_terminal();
    match write_line(stdout.lock(), text, colour) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

/// Writes a line to stderr, control characters escaped.
pub(crate) fn emit_err(text: &str) {
    let stderr = std::io::stderr();
    let colour = stderr.is_terminal();
    let _ = write_line(stderr.lock(), text, colour);
}

/// Renders diagnostics for a stream, colour only where it cannot mix with
/// input: a diagnostic whose text or source file holds a control character
/// is rendered without colour (and then escaped in full).
pub(crate) struct Painter {
    options: RenderOptions,
    colour: bool,
    /// Whether a source text holds control characters, by its address (a
    /// source is scanned once, however many diagnostics point into it).
    sources: HashMap<(usize, usize), bool>,
}

impl Painter {
    /// For a stream that is a terminal (`colour`) or not.
    pub(crate) fn new(colour: bool) -> Self {
        Self {
            options: RenderOptions::default()
                .with_color(colour)
                .with_unicode(colour),
            colour,
            sources: HashMap::new(),
        }
    }

    /// Plain ASCII rendering, whatever the stream (for text gathered into
    /// a report).
    pub(crate) fn plain() -> Self {
        Self {
            options: RenderOptions::default(),
            colour: false,
            sources: HashMap::new(),
        }
    }

    pub(crate) fn render(&mut self, d: &Diagnostic, source: Option<&str>) -> String {
        if !self.colour {
            return render(d, source, &self.options);
        }
        let tainted = has_controls(&d.message)
            || d.label.as_deref().is_some_and(has_controls)
            || d.path.as_deref().is_some_and(has_controls)
            || d.notes.iter().any(|n| has_controls(n))
            || d.span.as_ref().is_some_and(|s| has_controls(&s.file))
            || source.is_some_and(|s| {
                *self
                    .sources
                    .entry((s.as_ptr() as usize, s.len()))
                    .or_insert_with(|| has_controls(s))
            });
        if tainted {
            render(d, source, &RenderOptions::default())
        } else {
            render(d, source, &self.options)
        }
    }
}

/// A pretty JSON formatter that also escapes DEL, C1 controls and the
/// bidirectional and separator characters as `\uXXXX`.
struct SafeJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_escaped(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Prints `value` as pretty JSON on stdout, streamed (no intermediate
/// string), with [`SafeJson`]'s escapes; a closed pipe is not an error.
pub(crate) fn print_json(value: &impl Serialize) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut out,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    let result = value
        .serialize(&mut serializer)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}]0;x\u{7}b", false),
            "a\\x1b]0;x\\x07b"
        );
        assert_eq!(
            escape_controls("\u{9b}2J\u{7f}\r", false),
            "\\u{9b}2J\\x7f\\r"
        );
        assert_eq!(
            escape_controls("a\u{202e}b\tc\nd", false),
            "a\\u{202e}b\tc\nd"
        );
        assert!(matches!(escape_controls("plain", true), Cow::Borrowed(_)));
    }

    #[test]
    fn colours_survive_only_on_request() {
        let red = "\u{1b}[1m\u{1b}[38;5;9merror\u{1b}[0m";
        assert_eq!(escape_controls(red, true), red);
        assert_eq!(
            escape_controls(red, false),
            "\\x1b[1m\\x1b[38;5;9merror\\x1b[0m"
        );
        // Conceal, cursor moves and titles are escaped even then.
        assert_eq!(escape_controls("\u{1b}[8m", true), "\\x1b[8m");
        assert_eq!(escape_controls("\u{1b}[2J", true), "\\x1b[2J");
        assert_eq!(escape_controls("\u{1b}]0;t\u{7}", true), "\\x1b]0;t\\x07");
    }
}
