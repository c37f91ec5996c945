//! A Dockerfile parser: parser directives, comments, line continuations,
//! heredocs, exec and shell forms, flags, build stages and `ARG`/`ENV`
//! expansion, with a span for every instruction.
//!
//! It follows BuildKit's reading of the format and never panics: problems
//! are [`SyntaxError`]s with a location, and everything that could be read
//! is kept.
//!
//! ```
//! use platform_policy::dockerfile::{Arguments, Dockerfile};
//!
//! let df = Dockerfile::parse("Dockerfile".into(), "\
//! ARG GO=1.24
//! FROM golang:${GO}-alpine AS build
//! RUN go build \\
//!     -o /app .
//! FROM gcr.io/distroless/static:nonroot
//! COPY --from=build /app /app
//! USER 65532
//! ENTRYPOINT [\"/app\"]
//! ");
//! assert!(df.errors.is_empty());
//! assert_eq!(df.stages.len(), 2);
//! assert_eq!(df.stages[0].image, "golang:1.24-alpine");
//! assert_eq!(df.stages[0].name.as_deref(), Some("build"));
//! let run = &df.instructions[2];
//! assert_eq!((run.line, run.end_line), (3, 4));
//! assert!(matches!(&df.instructions[6].arguments, Arguments::Exec(v) if v == &["/app"]));
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use platform_model::Span;

use crate::lines::LineIndex;

/// Default of [`DockerfileLimits::max_value_bytes`]: 64 KiB.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 64 * 1024;
/// Default of [`DockerfileLimits::max_expanded_bytes`]: 1 MiB.
pub const DEFAULT_MAX_EXPANDED_BYTES: usize = 1024 * 1024;
/// Default of [`DockerfileLimits::max_substitution_depth`]: 16.
pub const DEFAULT_MAX_SUBSTITUTION_DEPTH: usize = 16;
/// Default of [`DockerfileLimits::max_heredocs`]: 64.
pub const DEFAULT_MAX_HEREDOCS: usize = 64;

/// Limits of the parser on untrusted Dockerfiles. When one is hit the
/// parser reports a located [`SyntaxError`] and keeps going: an `ARG`/`ENV`
/// value that would expand past a limit keeps its unexpanded text, heredoc
/// markers past the cap are ignored.
///
/// ```
/// use platform_policy::dockerfile::{Dockerfile, DockerfileLimits};
///
/// let text = "FROM alpine:3.20\nENV A=x\n".to_owned() + &"ENV A=$A$A\n".repeat(40);
/// let df = Dockerfile::parse_with("Dockerfile".into(), &text, &DockerfileLimits::default());
/// assert!(df.errors.iter().any(|e| e.message.contains("expands to more than")));
/// let vars = df.stage_variables(&df.stages[0]);
/// assert!(vars["A"].len() <= DockerfileLimits::default().max_value_bytes);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DockerfileLimits {
    /// Largest value one `ARG`/`ENV`/`FROM`/`USER` text may expand to, in
    /// bytes. Default [`DEFAULT_MAX_VALUE_BYTES`].
    pub max_value_bytes: usize,
    /// Most bytes all expansions of one Dockerfile may produce together.
    /// Default [`DEFAULT_MAX_EXPANDED_BYTES`].
    pub max_expanded_bytes: usize,
    /// Deepest nesting of substitutions in a word (`${A:-${B:-$C}}` is 2).
    /// Default [`DEFAULT_MAX_SUBSTITUTION_DEPTH`].
    pub max_substitution_depth: usize,
    /// Most heredocs one instruction may open. Default [`DEFAULT_MAX_HEREDOCS`].
    pub max_heredocs: usize,
}

impl Default for DockerfileLimits {
    fn default() -> Self {
        Self {
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            max_expanded_bytes: DEFAULT_MAX_EXPANDED_BYTES,
            max_substitution_depth: DEFAULT_MAX_SUBSTITUTION_DEPTH,
            max_heredocs: DEFAULT_MAX_HEREDOCS,
        }
    }
}

impl DockerfileLimits {
    /// Sets [`max_value_bytes`](Self::max_value_bytes).
    #[must_use]
    pub fn with_max_value_bytes(mut self, bytes: usize) -> Self {
        self.max_value_bytes = bytes;
        self
    }

    /// Sets [`max_expanded_bytes`](Self::max_expanded_bytes).
    #[must_use]
    pub fn with_max_expanded_bytes(mut self, bytes: usize) -> Self {
        self.max_expanded_bytes = bytes;
        self
    }

    /// Sets [`max_substitution_depth`](Self::max_substitution_depth).
    #[must_use]
    pub fn with_max_substitution_depth(mut self, depth: usize) -> Self {
        self.max_substitution_depth = depth;
        self
    }

    /// Sets [`max_heredocs`](Self::max_heredocs).
    #[must_use]
    pub fn with_max_heredocs(mut self, count: usize) -> Self {
        self.max_heredocs = count;
        self
    }
}

/// Instructions BuildKit knows.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Dockerfile {
    /// The file name used in spans.
    pub file: Arc<str>,
    /// Every instruction, in order (ONBUILD triggers included as written).
    pub instructions: Vec<Instruction>,
    /// Build stages, one per `FROM`.
    pub stages: Vec<Stage>,
    /// `ARG`s declared before the first `FROM`, with their defaults.
    pub global_args: Vec<(String, Option<String>)>,
    /// Comment lines (not parser directives).
    pub comments: Vec<Comment>,
    /// Syntax problems.
    pub errors: Vec<SyntaxError>,
    /// The escape character (`\` unless a `# escape=` directive says otherwise).
    pub escape: char,
    /// The limits it was parsed with.
    pub limits: DockerfileLimits,
    /// Line starts of the parsed text, for [`span_of`](Self::span_of).
    index: Arc<LineIndex>,
    /// Stage names to the indices of the stages so named, in order.
    stage_names: HashMap<String, Vec<usize>>,
}

/// One instruction (continuation lines and heredocs included).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Instruction {
    /// The keyword, uppercased (`RUN`).
    pub keyword: String,
    /// Leading `--name[=value]` flags (FROM, RUN, COPY, ADD, HEALTHCHECK).
    pub flags: Vec<Flag>,
    /// The arguments after the flags.
    pub arguments: Arguments,
    /// Heredocs opened by this instruction (`<<EOF`).
    pub heredocs: Vec<Heredoc>,
    /// From the keyword to the end of the last line of the instruction.
    pub span: Span,
    /// 1-based line of the keyword.
    pub line: u32,
    /// 1-based last line (continuations and heredocs included).
    pub end_line: u32,
    /// Index of the stage the instruction belongs to (`None` before the
    /// first `FROM`).
    pub stage: Option<usize>,
    /// Byte offset of the arguments (after the keyword) in the file.
    pub args_offset: usize,
}

impl Instruction {
    /// The arguments as one string (exec form joined with spaces).
    #[must_use]
    pub fn text(&self) -> String {
        match &self.arguments {
            Arguments::Exec(items) => items.join(" "),
            Arguments::Shell(s) => s.clone(),
        }
    }

    /// The value of a flag (`--from=build` → `build`).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// The shell text a `RUN` executes: its arguments plus the content of
    /// its heredocs.
    #[must_use]
    pub fn script(&self) -> String {
        let mut text = self.text();
        for heredoc in &self.heredocs {
            text.push('\n');
            text.push_str(&heredoc.content);
        }
        text
    }
}

/// Exec (JSON array) or shell form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arguments {
    /// `["executable", "arg"]`.
    Exec(Vec<String>),
    /// Anything else, continuation lines joined.
    Shell(String),
}

/// A `--name[=value]` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Flag {
    /// Name without dashes.
    pub name: String,
    /// Value after `=`.
    pub value: Option<String>,
}

/// A heredoc body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Heredoc {
    /// The delimiter word.
    pub delimiter: String,
    /// The body, without the terminator line.
    pub content: String,
}

/// A build stage.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stage {
    /// Index of the stage.
    pub index: usize,
    /// Index of its `FROM` instruction.
    pub from: usize,
    /// The image as written.
    pub image_raw: String,
    /// The image with global `ARG` defaults expanded.
    pub image: String,
    /// Whether the image uses an `ARG` without a default (it cannot be judged).
    pub image_unresolved: bool,
    /// The `AS` name.
    pub name: Option<String>,
    /// Indices of the instructions of the stage (its `FROM` included).
    pub instructions: Vec<usize>,
    /// The variables visible at the end of the stage, expanded within the
    /// Dockerfile's limits.
    variables: HashMap<String, String>,
}

/// A comment line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Comment {
    /// 1-based line.
    pub line: u32,
    /// The text after `#`, trimmed.
    pub text: String,
    /// Where the comment is.
    pub span: Span,
}

/// A syntax problem.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// A physical line.
struct Line<'a> {
    /// Content without the line terminator.
    text: &'a str,
    start: usize,
    number: u32,
}

impl Dockerfile {
    /// Parses `text` with the default [`DockerfileLimits`]; `file` names
    /// the file in spans.
    #[must_use]
    pub fn parse(file: Arc<str>, text: &str) -> Self {
        Self::parse_with(file, text, &DockerfileLimits::default())
    }

    /// Parses `text` within `limits`; `file` names the file in spans.
    #[must_use]
    pub fn parse_with(file: Arc<str>, text: &str, limits: &DockerfileLimits) -> Self {
        let mut lines = Vec::new();
        let mut offset = 0usize;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let content = raw.strip_suffix('\n').unwrap_or(raw);
            let content = content.strip_suffix('\r').unwrap_or(content);
            lines.push(Line {
                text: content,
                start: offset,
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            });
            offset += raw.len();
        }
        let mut parser = Parser {
            df: Self {
                file,
                escape: '\\',
                limits: *limits,
                index: Arc::new(LineIndex::new(text)),
                ..Self::default()
            },
            lines,
            budget: limits.max_expanded_bytes,
            globals: HashMap::new(),
        };
        parser.run();
        parser.variables();
        parser.df
    }

    /// The last stage (the image that is built by default).
    #[must_use]
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The instructions of a stage.
    pub fn stage_instructions(&self, stage: &Stage) -> impl Iterator<Item = &Instruction> {
        stage
            .instructions
            .iter()
            .filter_map(|&i| self.instructions.get(i))
    }

    /// The variables visible at the end of a stage: global `ARG` defaults
    /// redeclared in the stage, stage `ARG`s and `ENV`s, expanded within
    /// the Dockerfile's [`limits`](Self::limits) (a value that would expand
    /// past them keeps its unexpanded text).
    #[must_use]
    pub fn stage_variables(&self, stage: &Stage) -> HashMap<String, String> {
        stage.variables.clone()
    }

    /// Expands `text` with `vars` within the Dockerfile's limits (the text
    /// unexpanded when it would expand past them).
    #[must_use]
    pub fn expand(&self, text: &str, vars: &HashMap<String, String>) -> String {
        let mut budget = self.limits.max_value_bytes;
        expand_bounded(text, vars, &self.limits, &mut budget).text
    }

    /// The latest stage before stage `before` named `name` (lowercase).
    #[must_use]
    pub fn stage_named_before(&self, name: &str, before: usize) -> Option<&Stage> {
        let indices = self.stage_names.get(name)?;
        let n = indices.partition_point(|&i| i < before);
        n.checked_sub(1)
            .and_then(|k| indices.get(k))
            .and_then(|&i| self.stages.get(i))
    }

    /// Whether a stage at or after `from` is named `name` (lowercase).
    #[must_use]
    pub fn stage_named_from(&self, name: &str, from: usize) -> bool {
        self.stage_names
            .get(name)
            .is_some_and(|indices| indices.last().is_some_and(|&i| i >= from))
    }

    /// The span of the first occurrence of `needle` inside instruction
    /// `index` (the instruction's span when absent).
    #[must_use]
    pub fn span_of(&self, index: usize, needle: &str, text: &str) -> Option<Span> {
        self.span_of_from(index, needle, text, 0)
            .map(|(span, _)| span)
    }

    /// As [`span_of`](Self::span_of), searching from byte `from` of the
    /// instruction's arguments; also returns where to search for the next
    /// needle (past this one), so that many needles cost one pass.
    #[must_use]
    pub fn span_of_from(
        &self,
        index: usize,
        needle: &str,
        text: &str,
        from: usize,
    ) -> Option<(Span, usize)> {
        let ins = self.instructions.get(index)?;
        let range = text.get(ins.args_offset..ins.span.end)?;
        let from = from.min(range.len());
        let found = range
            .get(from..)
            .and_then(|r| r.find(needle))
            .filter(|_| !needle.is_empty());
        match found {
            Some(pos) => {
                let start = ins.args_offset + from + pos;
                let end = start + needle.len();
                let span = if self.index.fits(text) {
                    self.index.span(Arc::clone(&self.file), text, start, end)
                } else {
                    Span::from_offsets(Arc::clone(&self.file), text, start, end)
                };
                Some((span, from + pos + needle.len()))
            }
            None => Some((ins.span.clone(), from)),
        }
    }
}

struct Parser<'a> {
    df: Dockerfile,
    lines: Vec<Line<'a>>,
    /// Bytes all expansions may still produce.
    budget: usize,
    /// Global `ARG`s with a default, as `FROM` sees them.
    globals: HashMap<String, String>,
}

impl Parser<'_> {
    fn span(&self, line: usize, column_byte: usize, end: usize) -> Span {
        let Some(l) = self.lines.get(line) else {
            return Span::file_start(Arc::clone(&self.df.file));
        };
        let col_byte = column_byte.min(l.text.len());
        let prefix = l.text.get(..col_byte).unwrap_or("");
        let column = u32::try_from(prefix.chars().count() + 1).unwrap_or(u32::MAX);
        Span::new(
            Arc::clone(&self.df.file),
            l.number,
            column,
            l.start + col_byte,
            end.max(l.start + col_byte),
        )
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.df.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    fn run(&mut self) {
        let mut i = self.directives();
        let mut seen_from = false;
        while i < self.lines.len() {
            let text = self.lines[i].text;
            let trimmed = text.trim_start();
            if trimmed.is_empty() {
                i += 1;
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                let indent = text.len() - trimmed.len();
                let end = self.lines[i].start + text.len();
                let span = self.span(i, indent, end);
                self.df.comments.push(Comment {
                    line: self.lines[i].number,
                    text: comment.trim().to_owned(),
                    span,
                });
                i += 1;
                continue;
            }
            i = self.instruction(i, &mut seen_from);
        }
        if self.df.stages.is_empty() && self.df.errors.is_empty() {
            let span = Span::file_start(Arc::clone(&self.df.file));
            self.error("the Dockerfile has no FROM instruction", span);
        }
    }

    /// Reads parser directives at the top; returns the first other line.
    fn directives(&mut self) -> usize {
        let mut i = 0;
        while let Some(line) = self.lines.get(i) {
            let Some(body) = line.text.trim_start().strip_prefix('#') else {
                break;
            };
            let Some((name, value)) = body.split_once('=') else {
                break;
            };
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                break;
            }
            if name == "escape" {
                match value.trim() {
                    "`" => self.df.escape = '`',
                    "\\" => self.df.escape = '\\',
                    other => {
                        let span = self.span(i, 0, line.start + line.text.len());
                        self.error(
                            format!("invalid escape character `{other}`; use `\\` or a backtick"),
                            span,
                        );
                    }
                }
            }
            i += 1;
        }
        i
    }

    /// Parses the instruction starting at line `first`; returns the next line.
    fn instruction(&mut self, first: usize, seen_from: &mut bool) -> usize {
        let escape = self.df.escape;
        let mut logical = String::new();
        let mut i = first;
        let mut last = first;
        let first_text = self.lines[first].text;
        let indent = first_text.len() - first_text.trim_start().len();
        while let Some(line) = self.lines.get(i) {
            let text = if i == first {
                &line.text[indent..]
            } else {
                line.text
            };
            let is_comment = i != first && text.trim_start().starts_with('#');
            let is_blank = i != first && text.trim().is_empty();
            i += 1;
            if is_comment || is_blank {
                // BuildKit drops comment and empty lines inside a continuation.
                continue;
            }
            last = i - 1;
            let body = text.trim_end();
            match body.strip_suffix(escape) {
                Some(rest) => logical.push_str(rest),
                None => {
                    logical.push_str(text);
                    break;
                }
            }
        }
        let (keyword_raw, rest) = split_word(&logical);
        let keyword = keyword_raw.to_ascii_uppercase();
        let keyword_start = self.lines[first].start + indent;
        let args_offset = keyword_start + keyword_raw.len();
        let mut end_line = last;
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            let max = self.df.limits.max_heredocs;
            let markers = heredoc_markers(rest);
            if markers.len() > max {
                let span = self.span(first, indent, args_offset);
                self.error(
                    format!(
                        "more than {max} heredocs in one instruction ({}); the bodies after the {max}th are skipped, not checked",
                        markers.len()
                    ),
                    span,
                );
            }
            for (n, (delimiter, strip_tabs)) in markers.into_iter().enumerate() {
                // Past the cap a body is still consumed (so the lines after
                // it parse as written) but neither kept nor reported.
                let keep = n < max;
                let mut content = String::new();
                let mut closed = false;
                while let Some(line) = self.lines.get(i) {
                    i += 1;
                    end_line = i - 1;
                    let candidate = if strip_tabs {
                        line.text.trim_start_matches('\t')
                    } else {
                        line.text
                    };
                    if candidate == delimiter {
                        closed = true;
                        break;
                    }
                    if keep {
                        content.push_str(candidate);
                        content.push('\n');
                    }
                }
                if !keep {
                    continue;
                }
                if !closed {
                    let span = self.span(first, indent, args_offset);
                    self.error(
                        format!(
                            "heredoc `{delimiter}` is not terminated before the end of the file"
                        ),
                        span,
                    );
                }
                heredocs.push(Heredoc { delimiter, content });
            }
        }
        let end = self
            .lines
            .get(end_line)
            .map_or(keyword_start, |l| l.start + l.text.len());
        let span = self.span(first, indent, end);
        let line = self.lines[first].number;
        let end_line_no = self.lines.get(end_line).map_or(line, |l| l.number);
        if !KEYWORDS.contains(&keyword.as_str()) {
            self.error(
                format!("unknown instruction `{keyword_raw}`"),
                self.span(first, indent, keyword_start + keyword_raw.len()),
            );
            return i;
        }
        if !*seen_from && keyword != "ARG" && keyword != "FROM" {
            self.error(
                format!("`{keyword}` before the first FROM: only ARG may come before FROM"),
                span.clone(),
            );
        }
        let takes_flags = matches!(
            keyword.as_str(),
            "FROM" | "RUN" | "COPY" | "ADD" | "HEALTHCHECK"
        );
        let (flags, rest) = if takes_flags {
            split_flags(rest)
        } else {
            (Vec::new(), rest.trim_start())
        };
        let arguments = match parse_exec(rest) {
            Some(items)
                if matches!(
                    keyword.as_str(),
                    "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "COPY" | "ADD" | "VOLUME"
                ) =>
            {
                Arguments::Exec(items)
            }
            _ => Arguments::Shell(rest.trim_end().to_owned()),
        };
        let index = self.df.instructions.len();
        let stage = if keyword == "FROM" {
            *seen_from = true;
            Some(self.df.stages.len())
        } else {
            self.df.stages.len().checked_sub(1)
        };
        let instruction = Instruction {
            keyword: keyword.clone(),
            flags,
            arguments,
            heredocs,
            span,
            line,
            end_line: end_line_no,
            stage,
            args_offset,
        };
        match keyword.as_str() {
            "FROM" => self.from(&instruction, index),
            "ARG" if stage.is_none() => {
                let parsed = parse_arg(&instruction.text());
                for (name, default) in &parsed {
                    if let Some(default) = default {
                        self.globals.insert(name.clone(), default.clone());
                    }
                }
                self.df.global_args.extend(parsed);
            }
            "ARG" | "ENV" | "USER" | "WORKDIR" | "EXPOSE" | "LABEL" | "STOPSIGNAL" | "SHELL"
            | "MAINTAINER"
                if instruction.text().trim().is_empty() =>
            {
                self.error(
                    format!("{keyword} needs an argument"),
                    instruction.span.clone(),
                );
            }
            _ => {}
        }
        if let Some(stage) = stage.and_then(|s| self.df.stages.get_mut(s)) {
            stage.instructions.push(index);
        }
        self.df.instructions.push(instruction);
        i
    }

    fn from(&mut self, instruction: &Instruction, index: usize) {
        let text = instruction.text();
        let words: Vec<&str> = text.split_whitespace().collect();
        let (image_raw, name) = match words.as_slice() {
            [image] => ((*image).to_owned(), None),
            [image, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => {
                ((*image).to_owned(), Some((*name).to_ascii_lowercase()))
            }
            [] => {
                self.error("FROM needs an image", instruction.span.clone());
                (String::new(), None)
            }
            _ => {
                self.error(
                    "FROM takes an image and an optional `AS name`",
                    instruction.span.clone(),
                );
                (words[0].to_owned(), None)
            }
        };
        let expanded = expand_bounded(&image_raw, &self.globals, &self.df.limits, &mut self.budget);
        if let Some(limit) = expanded.limited {
            let message = limit.message(&self.df.limits, "the FROM image");
            self.error(message, instruction.span.clone());
        }
        let stage_index = self.df.stages.len();
        if let Some(name) = &name {
            let indices = self.df.stage_names.entry(name.clone()).or_default();
            let twice = !indices.is_empty();
            indices.push(stage_index);
            if twice {
                self.error(
                    format!("stage name `{name}` is used twice"),
                    instruction.span.clone(),
                );
            }
        }
        self.df.stages.push(Stage {
            index: stage_index,
            from: index,
            image_raw,
            image: expanded.text,
            image_unresolved: expanded.unresolved,
            name,
            instructions: Vec::new(),
            variables: HashMap::new(),
        });
    }

    /// Computes the variables of every stage within the limits, reporting
    /// every value that would expand past them at its instruction.
    fn variables(&mut self) {
        let globals: HashMap<&str, Option<&str>> = self
            .df
            .global_args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        let limits = self.df.limits;
        let mut all = Vec::with_capacity(self.df.stages.len());
        let mut errors = Vec::new();
        for stage in &self.df.stages {
            let mut vars: HashMap<String, String> = HashMap::new();
            for &i in &stage.instructions {
                let Some(ins) = self.df.instructions.get(i) else {
                    continue;
                };
                let keyword = ins.keyword.as_str();
                let assignments: Vec<(String, Option<String>)> = match keyword {
                    "ARG" => parse_arg(&ins.text()),
                    "ENV" => parse_env(&ins.text())
                        .into_iter()
                        .map(|(k, v)| (k, Some(v)))
                        .collect(),
                    _ => continue,
                };
                for (name, raw) in assignments {
                    let value = match raw {
                        Some(raw) => {
                            let e = expand_bounded(&raw, &vars, &limits, &mut self.budget);
                            if let Some(limit) = e.limited {
                                errors.push(SyntaxError {
                                    message: limit.message(&limits, &format!("{keyword} `{name}`")),
                                    span: ins.span.clone(),
                                });
                            }
                            Some(e.text)
                        }
                        None => globals
                            .get(name.as_str())
                            .copied()
                            .flatten()
                            .map(str::to_owned),
                    };
                    if let Some(value) = value {
                        vars.insert(name, value);
                    }
                }
            }
            all.push(vars);
        }
        for (stage, vars) in self.df.stages.iter_mut().zip(all) {
            stage.variables = vars;
        }
        self.df.errors.extend(errors);
    }
}

/// Splits off the first whitespace-delimited word.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(pos) => (&text[..pos], &text[pos..]),
        None => (text, ""),
    }
}

/// Leading `--flag[=value]` words.
fn split_flags(mut rest: &str) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    loop {
        let trimmed = rest.trim_start();
        let Some(body) = trimmed.strip_prefix("--") else {
            return (flags, trimmed);
        };
        let (word, after) = split_word(body);
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (word.to_owned(), None),
        };
        flags.push(Flag { name, value });
        rest = after;
    }
}

/// The JSON array of an exec form, when the text is one.
fn parse_exec(text: &str) -> Option<Vec<String>> {
    let trimmed = text.trim();
    if !trimmed.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(trimmed).ok()
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"` markers in an instruction's arguments, in
/// one pass over the text.
fn heredoc_markers(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("<<") {
        let after = &rest[pos + 2..];
        rest = after;
        if after.starts_with('<') {
            rest = after.trim_start_matches('<');
            continue;
        }
        let (strip, body) = match after.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, after),
        };
        let (quote, body) = match body.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &body[1..]),
            _ => (None, body),
        };
        let len = body
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        if len == 0 {
            continue;
        }
        let (word, after_word) = body.split_at(len);
        if let Some(q) = quote
            && !after_word.starts_with(q)
        {
            continue;
        }
        out.push((word.to_owned(), strip));
    }
    out
}

/// `ARG a=1 b` → `[(a, Some(1)), (b, None)]`.
pub(crate) fn parse_arg(text: &str) -> Vec<(String, Option<String>)> {
    text.split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(unquote(v))),
            None => (word.to_owned(), None),
        })
        .collect()
}

/// `ENV a=1 b="x y"` or the legacy `ENV a 1`.
pub(crate) fn parse_env(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let (first, rest) = split_word(text);
    if !first.contains('=') {
        return vec![(first.to_owned(), rest.trim().to_owned())];
    }
    shell_words(text)
        .into_iter()
        .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    v.to_owned()
}

/// Splits shell text into words, honouring single and double quotes and
/// backslash escapes (no expansion).
pub(crate) fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    current.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}` and `${VAR+alt}` (the words themselves expanded). Returns
/// the text and whether a variable without a value was used.
///
/// Expansion is bounded by the default [`DockerfileLimits`]: text that
/// would expand past [`DEFAULT_MAX_VALUE_BYTES`] or nest substitutions
/// deeper than [`DEFAULT_MAX_SUBSTITUTION_DEPTH`] is returned unexpanded.
#[must_use]
pub fn expand(text: &str, vars: &HashMap<String, String>) -> (String, bool) {
    let limits = DockerfileLimits::default();
    let mut budget = limits.max_value_bytes;
    let e = expand_bounded(text, vars, &limits, &mut budget);
    (e.text, e.unresolved)
}

/// Which limit an expansion hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limit {
    Value,
    Total,
    Depth,
}

impl Limit {
    fn message(self, limits: &DockerfileLimits, what: &str) -> String {
        match self {
            Self::Value => format!(
                "{what} expands to more than {} bytes (the value limit); it is kept unexpanded",
                limits.max_value_bytes
            ),
            Self::Total => format!(
                "{what} expands past the {}-byte limit of all expansions in one Dockerfile; it is kept unexpanded",
                limits.max_expanded_bytes
            ),
            Self::Depth => format!(
                "{what} nests substitutions deeper than {} levels; it is kept unexpanded",
                limits.max_substitution_depth
            ),
        }
    }
}

pub(crate) struct Expanded {
    pub(crate) text: String,
    pub(crate) unresolved: bool,
    pub(crate) limited: Option<Limit>,
}

/// Expands `text` within `limits`, taking the bytes produced from
/// `budget`; on a limit, the text is returned unexpanded and nothing is
/// taken.
pub(crate) fn expand_bounded(
    text: &str,
    vars: &HashMap<String, String>,
    limits: &DockerfileLimits,
    budget: &mut usize,
) -> Expanded {
    let mut expander = Expander {
        vars,
        max: limits.max_value_bytes.min(*budget),
        max_depth: limits.max_substitution_depth,
        unresolved: false,
    };
    let mut out = String::new();
    match expander.run(text, 0, &mut out) {
        Ok(()) => {
            *budget -= out.len().min(*budget);
            Expanded {
                text: out,
                unresolved: expander.unresolved,
                limited: None,
            }
        }
        Err(limit) => {
            let limit = if limit == Limit::Value && limits.max_value_bytes > *budget {
                Limit::Total
            } else {
                limit
            };
            Expanded {
                text: text.to_owned(),
                unresolved: false,
                limited: Some(limit),
            }
        }
    }
}

struct Expander<'v> {
    vars: &'v HashMap<String, String>,
    /// Most bytes the output may hold.
    max: usize,
    max_depth: usize,
    unresolved: bool,
}

impl Expander<'_> {
    fn push(&self, out: &mut String, s: &str) -> Result<(), Limit> {
        if out.len().saturating_add(s.len()) > self.max {
            return Err(Limit::Value);
        }
        out.push_str(s);
        Ok(())
    }

    /// Expands `text` (nested `depth` substitutions deep) into `out`.
    fn run(&mut self, text: &str, depth: usize, out: &mut String) -> Result<(), Limit> {
        let bytes = text.as_bytes();
        let mut i = 0;
        // Start of the pending literal run.
        let mut literal = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if bytes.get(i + 1) == Some(&b'$') => {
                    self.push(out, &text[literal..i])?;
                    self.push(out, "$")?;
                    i += 2;
                    literal = i;
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    self.push(out, &text[literal..i])?;
                    let body_start = i + 2;
                    let Some(close) = matching_brace(&bytes[body_start..]) else {
                        self.push(out, &text[i..])?;
                        return Ok(());
                    };
                    let inner = &text[body_start..body_start + close];
                    self.substitution(inner, depth, out)?;
                    i = body_start + close + 1;
                    literal = i;
                }
                b'$' => {
                    let len = bytes[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                    if len == 0 {
                        i += 1;
                        continue;
                    }
                    self.push(out, &text[literal..i])?;
                    let name = &text[i + 1..i + 1 + len];
                    match self.vars.get(name) {
                        Some(v) => self.push(out, v)?,
                        None => self.unresolved = true,
                    }
                    i += 1 + len;
                    literal = i;
                }
                _ => i += 1,
            }
        }
        self.push(out, &text[literal..])
    }

    /// `${inner}`.
    fn substitution(&mut self, inner: &str, depth: usize, out: &mut String) -> Result<(), Limit> {
        let (name, op, word) = split_modifier(inner);
        let value = self.vars.get(name);
        let use_word = match op {
            ":-" => match value.filter(|v| !v.is_empty()) {
                Some(v) => return self.push(out, v),
                None => true,
            },
            "-" => match value {
                Some(v) => return self.push(out, v),
                None => true,
            },
            ":+" => value.is_some_and(|v| !v.is_empty()),
            "+" => value.is_some(),
            _ => {
                match value {
                    Some(v) => self.push(out, v)?,
                    None => self.unresolved = true,
                }
                return Ok(());
            }
        };
        if !use_word {
            return Ok(());
        }
        if !word.contains('$') {
            return self.push(out, word);
        }
        if depth + 1 > self.max_depth {
            return Err(Limit::Depth);
        }
        self.run(word, depth + 1, out)
    }
}

/// The offset of the `}` closing a `${` whose body starts `body`, counting
/// nested `${ … }`.
fn matching_brace(body: &[u8]) -> Option<usize> {
    let mut open = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'$' if body.get(i + 1) == Some(&b'{') => {
                open += 1;
                i += 2;
                continue;
            }
            b'}' if open == 0 => return Some(i),
            b'}' => open -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn split_modifier(inner: &str) -> (&str, &str, &str) {
    // The name is a run of word characters; the operator follows it.
    let len = inner
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    let (name, rest) = inner.split_at(len);
    if rest.is_empty() {
        return (name, "", "");
    }
    for op in [":-", ":+", "-", "+"] {
        if let Some(word) = rest.strip_prefix(op) {
            return (name, op, word);
        }
    }
    for op in [":-", ":+"] {
        if let Some((name, word)) = inner.split_once(op) {
            return (name, op, word);
        }
    }
    for op in ["-", "+"] {
        if let Some((name, word)) = inner.split_once(op) {
            return (name, op, word);
        }
    }
    (inner, "", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dockerfile {
        Dockerfile::parse("Dockerfile".into(), text)
    }

    #[test]
    fn seed_dockerfile_parses_into_two_stages() {
        let df = parse(include_str!(
            "../../examples/acme/components/payment-service/Dockerfile"
        ));
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[1].image, "gcr.io/distroless/static:nonroot");
        assert_eq!(df.stages[1].name.as_deref(), Some("runtime"));
        let run = df
            .instructions
            .iter()
            .filter(|i| i.keyword == "RUN")
            .nth(1)
            .expect("second RUN");
        assert_eq!((run.line, run.end_line), (14, 19));
        assert!(run.text().contains("go build     -ldflags"));
        let health = df.instructions.last().expect("healthcheck");
        assert_eq!(health.keyword, "HEALTHCHECK");
        assert_eq!(health.flag("interval"), Some("30s"));
        assert!(health.text().starts_with("CMD [\"/service\""));
        assert_eq!(df.comments.len(), 6);
    }

    #[test]
    fn heredocs_and_comments_in_continuations() {
        let df = parse(
            "FROM alpine:3.20\nRUN <<EOF\napk add curl\nEOF\nRUN echo a \\\n# comment inside\n    && echo b\nCOPY <<-A <<B /x\n\tone\n\tA\ntwo\nB\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.instructions[1].heredocs[0].content, "apk add curl\n");
        assert_eq!(df.instructions[1].end_line, 4);
        assert_eq!(df.instructions[2].text(), "echo a     && echo b");
        assert_eq!(df.instructions[3].heredocs.len(), 2);
        assert_eq!(df.instructions[3].heredocs[0].content, "one\n");
        assert_eq!(df.instructions[3].heredocs[1].content, "two\n");
    }

    #[test]
    fn escape_directive_and_exec_form() {
        let df = parse(
            "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir `\n  c:\\\nCMD [\"a\", \"b\"]\nCMD [not json\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.escape, '`');
        assert_eq!(df.instructions[1].text(), "dir   c:\\");
        assert_eq!(
            df.instructions[2].arguments,
            Arguments::Exec(vec!["a".into(), "b".into()])
        );
        assert!(matches!(df.instructions[3].arguments, Arguments::Shell(_)));
    }

    #[test]
    fn args_expand_in_from() {
        let df = parse(
            "ARG REG=gcr.io\nARG TAG\nFROM ${REG}/distroless/static:${TAG:-nonroot}\nFROM $UNKNOWN\n",
        );
        assert_eq!(df.stages[0].image, "gcr.io/distroless/static:nonroot");
        assert!(!df.stages[0].image_unresolved);
        assert!(df.stages[1].image_unresolved);
    }

    #[test]
    fn stage_variables_follow_arg_and_env() {
        let df =
            parse("ARG V=1\nFROM a:1\nARG V\nENV X=$V Y=\"two words\"\nENV LEGACY some value\n");
        let vars = df.stage_variables(&df.stages[0]);
        assert_eq!(vars.get("V").map(String::as_str), Some("1"));
        assert_eq!(vars.get("X").map(String::as_str), Some("1"));
        assert_eq!(vars.get("Y").map(String::as_str), Some("two words"));
        assert_eq!(vars.get("LEGACY").map(String::as_str), Some("some value"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let df = parse("RUN echo\nFROM\nFORM x\nFROM a AS b\nFROM c AS b\nRUN <<EOF\nno end\n");
        let messages: Vec<(u32, &str)> = df
            .errors
            .iter()
            .map(|e| (e.span.line, e.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    1,
                    "`RUN` before the first FROM: only ARG may come before FROM"
                ),
                (2, "FROM needs an image"),
                (3, "unknown instruction `FORM`"),
                (5, "stage name `b` is used twice"),
                (
                    6,
                    "heredoc `EOF` is not terminated before the end of the file"
                ),
            ]
        );
        assert!(parse("").errors[0].message.contains("no FROM"));
    }

    #[test]
    fn shell_words_honour_quotes() {
        assert_eq!(
            shell_words(r#"a "b c" 'd e' f\ g"#),
            ["a", "b c", "d e", "f g"]
        );
    }
}
