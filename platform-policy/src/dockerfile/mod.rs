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
//!
//! The code is split by idea: `limits` holds the bounds on untrusted input,
//! `ast` the parsed types and their queries, `words` the splitting of
//! instruction text into words, flags and assignments, `expand` the
//! expansion of `ARG`/`ENV` variables, and `parse` the reading of lines
//! into instructions and stages.

mod ast;
mod expand;
mod limits;
mod parse;
mod words;

pub use ast::{Arguments, Comment, Dockerfile, Flag, Heredoc, Instruction, Stage, SyntaxError};
pub use expand::expand;
pub use limits::{
    DEFAULT_MAX_EXPANDED_BYTES, DEFAULT_MAX_HEREDOCS, DEFAULT_MAX_SUBSTITUTION_DEPTH,
    DEFAULT_MAX_VALUE_BYTES, DockerfileLimits,
};
pub(crate) use words::{parse_arg, parse_env, shell_words};
