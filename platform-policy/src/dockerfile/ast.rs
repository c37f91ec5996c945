//! The parsed Dockerfile: its instructions, flags, heredocs, stages,
//! comments and syntax errors, and the queries on them (stages by name,
//! stage variables, spans of text inside an instruction).

use std::collections::HashMap;
use std::sync::Arc;

use platform_model::Span;

use super::expand::expand_bounded;
use super::limits::DockerfileLimits;
use crate::lines::LineIndex;

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
    pub(super) index: Arc<LineIndex>,
    /// Stage names to the indices of the stages so named, in order.
    pub(super) stage_names: HashMap<String, Vec<usize>>,
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
    pub(super) variables: HashMap<String, String>,
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

impl Dockerfile {
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
