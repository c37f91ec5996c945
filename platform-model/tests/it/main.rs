//! Integration tests of `platform-model`: one test binary, one module per area.

mod backstage_oracle;
mod loader;
