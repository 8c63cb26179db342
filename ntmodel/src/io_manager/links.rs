//! Symbolic links (`IoCreateSymbolicLink`), by normalised name: `\DosDevices\X`,
//! `\GLOBAL??\X` and `\??\X` are one name.
use super::IoManager;
use crate::names::normalize_link;
use nt_bindings as nt;

/// A symbolic link.
#[derive(Debug, Clone)]
pub struct SymbolicLink {
    /// As created (e.g. `\DosDevices\HandleGuard`).
    pub name: String,
    /// What it points to (e.g. `\Device\HandleGuard`).
    pub target: String,
    /// Created by the driver.
    pub by_driver: bool,
}

impl IoManager {
    /// `IoCreateSymbolicLink`.
    pub fn create_link(
        &mut self,
        name: &str,
        target: &str,
        by_driver: bool,
    ) -> Result<(), nt::NTSTATUS> {
        let normalized = normalize_link(name);
        if self.links.contains_key(&normalized) {
            return Err(nt::STATUS_OBJECT_NAME_COLLISION);
        }
        self.links.insert(
            normalized,
            SymbolicLink {
                name: name.to_owned(),
                target: target.to_owned(),
                by_driver,
            },
        );
        Ok(())
    }

    /// `IoDeleteSymbolicLink`.
    pub fn delete_link(&mut self, name: &str) -> Result<(), nt::NTSTATUS> {
        self.links
            .remove(&normalize_link(name))
            .map(|_| ())
            .ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    }

    /// The link named `name` (any spelling of its prefix).
    pub fn link(&self, name: &str) -> Option<&SymbolicLink> {
        self.links.get(&normalize_link(name))
    }
}
