//! Integration tests of `platform-model`: one test binary, one module per area.

mod adversarial;
mod app_config_oracle;
mod app_config_trees;
mod backstage_oracle;
mod bad_input;
mod loader;
mod refs;
#[cfg(feature = "render")]
mod render;
mod round_trip;
mod yaml_test_suite;
