//! Backstage catalog model (work in progress).
pub mod diagnostic;
pub mod span;
pub mod yaml;
