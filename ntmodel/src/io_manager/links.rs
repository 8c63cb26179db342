//! Symbolic links by normalised name (`\DosDevices\X`, `\GLOBAL??\X` and `\??\X` are one
//! name), each with its symbolic link object; creating and deleting one (which involves the
//! object manager) is in `crate::machine::namespace`.
use super::IoManager;
use crate::names::normalize_link;
use crate::origin::Origin;
use nt_bindings as nt;

/// A symbolic link.
#[derive(Debug, Clone)]
pub struct SymbolicLink {
    /// As created (e.g. `\DosDevices\HandleGuard`).
    pub name: String,
    /// What it points to (e.g. `\Device\HandleGuard`).
    pub target: String,
    /// Who created it.
    pub origin: Origin,
    /// Its symbolic link object (`ObjectKind::SymbolicLink`).
    pub object: usize,
}

impl IoManager {
    /// Whether a link named `name` exists.
    pub fn link_exists(&self, name: &str) -> bool {
        self.links.contains_key(&normalize_link(name))
    }

    /// Records the link named `name` (its object is `link.object`); a name that exists
    /// collides.
    pub fn add_link(&mut self, link: SymbolicLink) -> Result<(), nt::NTSTATUS> {
        let normalized = normalize_link(&link.name);
        if self.links.contains_key(&normalized) {
            return Err(nt::STATUS_OBJECT_NAME_COLLISION);
        }
        self.links.insert(normalized, link);
        Ok(())
    }

    /// Removes the link named `name` and returns it.
    pub fn remove_link(&mut self, name: &str) -> Result<SymbolicLink, nt::NTSTATUS> {
        self.links
            .remove(&normalize_link(name))
            .ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    }

    /// The link named `name` (any spelling of its prefix).
    pub fn link(&self, name: &str) -> Option<&SymbolicLink> {
        self.links.get(&normalize_link(name))
    }
}
