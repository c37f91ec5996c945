//! platform-scaffold
