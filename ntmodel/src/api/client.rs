//! What a client tool (hgctl) asks of the model beyond the test API: the namespace (devices,
//! symbolic links, files with their security), the processes with their users, one process's
//! handle table with granted access, and a real handle to a process itself or its thread (what
//! `DuplicateHandle` of `GetCurrentProcess()` gives on Windows). Reads only, except
//! [`Process::open_self`], which inserts a handle as `NtDuplicateObject` would.
use super::kernel::Kernel;
use super::user::Process;
use crate::machine::Subsystems;
use crate::object_manager::{Extra, FileTarget, ObjectHeader};
use crate::origin::Origin;
use crate::security::access_check;
use nt_bindings as nt;

/// One entry of a process's handle table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandleInfo {
    /// The handle value.
    pub value: u64,
    /// The object's type, as `!object` prints it ("Event", "File", ...).
    pub type_name: &'static str,
    /// The access granted when the handle was created.
    pub granted: u32,
    /// What a file is opened on (a device or file name), a key's path, a link's or a
    /// directory's name.
    pub name: Option<String>,
}

/// One name of the model's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameEntry {
    /// A named device object (`\Device\X`).
    Device {
        /// Its NT name.
        name: String,
    },
    /// A symbolic link (`\DosDevices\X`, which `\\.\X` reaches).
    Link {
        /// Its name, as created.
        name: String,
        /// What it points to.
        target: String,
    },
    /// A file of the file namespace.
    File {
        /// Its path, as added.
        path: String,
        /// Its size in bytes.
        size: usize,
        /// Who has full access.
        owner: String,
        /// Who may read it ("*": everyone).
        readers: Vec<String>,
    },
}

/// A process of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Its id.
    pub pid: u32,
    /// Its image name.
    pub image: String,
    /// The user of its token.
    pub user: String,
}

/// The name a handle table shows for an object: a file's device or path as opened, or the
/// object's own name.
fn shown_name(state: &Subsystems, header: &ObjectHeader) -> Option<String> {
    match &header.extra {
        Extra::File(file) => match &file.target {
            FileTarget::Device(device) => state
                .io
                .devices
                .get(device)
                .and_then(|record| record.name.clone()),
            FileTarget::Disk(key) => state.files.get(key).map(|entry| entry.path.clone()),
            FileTarget::Volume | FileTarget::Pipe { .. } => header.name(),
        },
        _ => header.name(),
    }
}

impl Kernel {
    /// Every device, symbolic link and file, each kind sorted by name.
    #[must_use]
    pub fn namespace(&self) -> Vec<NameEntry> {
        let state = self.inner.lock();
        let mut devices: Vec<String> = state
            .io
            .devices
            .values()
            .filter(|device| !device.deleted)
            .filter_map(|device| device.name.clone())
            .collect();
        devices.sort();
        let mut links: Vec<(String, String)> = state
            .io
            .links
            .values()
            .map(|link| (link.name.clone(), link.target.clone()))
            .collect();
        links.sort();
        let mut files: Vec<_> = state.files.iter().collect();
        files.sort_by_key(|file| file.path.to_lowercase());
        let files = files.into_iter().map(|file| NameEntry::File {
            path: file.path.clone(),
            size: file.content.len(),
            owner: file.security.owner.clone(),
            readers: file.security.readers.clone(),
        });
        let devices = devices.into_iter().map(|name| NameEntry::Device { name });
        let links = links
            .into_iter()
            .map(|(name, target)| NameEntry::Link { name, target });
        devices.chain(links).chain(files).collect()
    }

    /// Every process, by id.
    #[must_use]
    pub fn processes(&self) -> Vec<ProcessInfo> {
        let state = self.inner.lock();
        let mut processes: Vec<ProcessInfo> = state
            .ps
            .iter()
            .map(|(_, process)| ProcessInfo {
                pid: process.pid,
                image: process.name.clone(),
                user: process.user.clone(),
            })
            .collect();
        processes.sort_by_key(|process| process.pid);
        processes
    }
}

impl Process {
    /// This process's handle table, by value.
    #[must_use]
    pub fn handle_table(&self) -> Vec<HandleInfo> {
        let state = self.kernel().inner.lock();
        state
            .ob
            .handles_of(self.eprocess())
            .into_iter()
            .filter_map(|(value, entry)| {
                let header = state.ob.get(entry.object)?;
                Some(HandleInfo {
                    value,
                    type_name: header.kind.info().name,
                    granted: entry.granted,
                    name: shown_name(&state, header),
                })
            })
            .collect()
    }

    /// A new handle in this process to itself (or, with `thread`, to its thread) with
    /// `access` (generic rights mapped), checked against the object's security for the
    /// process's user, as `NtDuplicateObject` of `NtCurrentProcess()` checks it.
    ///
    /// # Errors
    /// `STATUS_ACCESS_DENIED` if the user may not have that access.
    pub fn open_self(&self, thread: bool, access: u32) -> Result<u64, nt::NTSTATUS> {
        let object = if thread {
            self.ethread()
        } else {
            self.eprocess()
        };
        let mut state = self.kernel().inner.lock();
        let header = state.ob.get(object).ok_or(nt::STATUS_INVALID_HANDLE)?;
        let kind = header.kind;
        let user = state.ps.user_of(self.eprocess());
        let granted = access_check(
            kind,
            header.security.as_ref(),
            &user,
            kind.map_generic(access),
        )?;
        Ok(state
            .ob
            .create_handle(self.eprocess(), object, granted, 0, false, Origin::Model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{EventKind, FileSecurity, User};

    #[test]
    fn a_client_sees_the_files_processes_and_handles_it_made() {
        let kernel = Kernel::new();
        kernel.add_file(
            r"\??\C:\a.txt",
            b"abc",
            &FileSecurity::readable_by(&["bob"]),
        );
        let bob = kernel.create_process("bob.exe", User::new("bob"));
        assert_eq!(
            kernel.namespace(),
            [NameEntry::File {
                path: r"\??\C:\a.txt".into(),
                size: 3,
                owner: "SYSTEM".into(),
                readers: vec!["bob".into()],
            }]
        );
        let users: Vec<String> = kernel.processes().into_iter().map(|p| p.user).collect();
        assert_eq!(users, ["SYSTEM", "bob"]);
        let event = bob.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
        let file = bob
            .open(r"\??\C:\a.txt", nt::FILE_READ_DATA)
            .expect("bob may read");
        let process = bob.open_self(false, nt::SYNCHRONIZE).expect("bob owns it");
        let table = bob.handle_table();
        let rows: Vec<(u64, &str, u32, Option<&str>)> = table
            .iter()
            .map(|h| (h.value, h.type_name, h.granted, h.name.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                (event, "Event", nt::SYNCHRONIZE, None),
                (
                    file,
                    "File",
                    nt::FILE_READ_DATA | nt::SYNCHRONIZE | nt::FILE_READ_ATTRIBUTES,
                    Some(r"\??\C:\a.txt")
                ),
                (process, "Process", nt::SYNCHRONIZE, None),
            ]
        );
    }
}
