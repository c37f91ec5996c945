//! platform-graph
