//! platform-policy
