//! Example programs for the workspace's crates; see `src/bin/`.
