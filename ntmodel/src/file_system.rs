//! The file namespace: a few files with content, an owner and readers. Opening one checks
//! access against the *current process's user* only when the previous mode is `UserMode` or
//! the caller set `OBJ_FORCE_ACCESS_CHECK`.
use crate::names::normalize_link;
use crate::security::Security;
use std::collections::HashMap;

/// One file.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Its path as given.
    pub path: String,
    /// Content.
    pub content: Vec<u8>,
    /// Who may open it.
    pub security: Security,
}

/// The files.
#[derive(Debug, Default)]
pub struct Files {
    files: HashMap<String, FileEntry>,
}

impl Files {
    /// Adds or replaces a file.
    pub fn add(&mut self, path: &str, content: Vec<u8>, security: Security) {
        self.files.insert(
            normalize_link(path),
            FileEntry {
                path: path.to_owned(),
                content,
                security,
            },
        );
    }

    /// Whether `key` (normalised) names a file.
    pub fn contains(&self, key: &str) -> bool {
        self.files.contains_key(key)
    }

    /// The file at `key` (normalised).
    pub fn get(&self, key: &str) -> Option<&FileEntry> {
        self.files.get(key)
    }

    /// Every file.
    pub fn iter(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.values()
    }
}
