//! The parser: physical lines into parser directives, comments and
//! instructions (continuations and heredocs joined), build stages, global
//! `ARG`s and the variables of every stage.

use std::collections::HashMap;
use std::sync::Arc;

use platform_model::Span;

use super::ast::{Arguments, Comment, Dockerfile, Heredoc, Instruction, Stage, SyntaxError};
use super::expand::expand_bounded;
use super::limits::DockerfileLimits;
use super::words::{heredoc_markers, parse_arg, parse_env, parse_exec, split_flags, split_word};
use crate::lines::LineIndex;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dockerfile {
        Dockerfile::parse("Dockerfile".into(), text)
    }

    #[test]
    fn seed_dockerfile_parses_into_two_stages() {
        let df = parse(include_str!(
            "../../../examples/acme/components/payment-service/Dockerfile"
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
}
