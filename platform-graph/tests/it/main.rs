//! Integration tests of `platform-graph`: one test binary, one module per area.

mod acme;
mod adversarial;
mod costs;
mod dora;
mod nps;
mod problems;
mod report;
mod scale;
