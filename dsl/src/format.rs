//! Canonical formatting of flow files.
