//! The object manager: one header per object body (type, logical references, handle count,
//! security, type-specific state), the per-process handle tables (the System process's is the
//! kernel handle table), and the references and handles that keep an object alive.
//!
//! References are logical: `refs` counts pointer references (the driver's, IRPs', the model's
//! own), `handles` counts handle-table entries; an object can go when both are zero. What
//! going means for a file object opened on a device (an `IRP_MJ_CLOSE` first) is the I/O
//! manager's business: this module only reports that an object became unused. The raw
//! `PointerCount` of Windows (biased per handle since Windows 8) is deliberately not modelled.
mod handle_table;
mod handles;

pub use handles::is_kernel_handle;

use crate::block::Block;
use crate::names::key;
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::quarantine::Quarantine;
use crate::security::Security;
use handle_table::HandleTable;
use std::collections::HashMap;

/// Size of the opaque `OBJECT_DIRECTORY` body.
const DIRECTORY_BODY_SIZE: usize = 64;

/// The key a directory is filed under: lower case, no trailing `\`, `\??` for its aliases.
fn normalize_directory(name: &str) -> String {
    let lower = key(name);
    let trimmed = if lower.len() > 1 {
        lower.trim_end_matches('\\')
    } else {
        lower.as_str()
    };
    match trimmed {
        "\\global??" | "\\dosdevices" => "\\??".to_owned(),
        other => other.to_owned(),
    }
}

/// What an object is, beyond its body block.
#[derive(Debug)]
pub enum Extra {
    /// Nothing more (process, thread, event).
    None,
    /// A file object.
    File(FileExtra),
    /// A registry key: its full path.
    Key(String),
    /// A symbolic link object: the link's name.
    SymbolicLink(String),
    /// An object directory: its name.
    Directory(String),
    /// A section.
    Section,
}

/// What a file object is opened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileTarget {
    /// A device (`DEVICE_OBJECT` address).
    Device(usize),
    /// A file of the model's file namespace (its normalised path).
    Disk(String),
    /// The volume itself (a volume open, `FO_VOLUME_OPEN`).
    Volume,
    /// An end of a named pipe (its name, lower case; `server` for the end its creator holds).
    Pipe { name: String, server: bool },
}

/// File-object state beyond the `FILE_OBJECT`.
#[derive(Debug)]
pub struct FileExtra {
    /// What it is opened on.
    pub target: FileTarget,
    /// The UTF-16 buffer `FileObject->FileName` points to (kept alive).
    pub _name: Option<Block>,
    /// `IRP_MJ_CREATE` succeeded: the last reference sends `IRP_MJ_CLOSE`.
    pub opened: bool,
    /// `IRP_MJ_CLEANUP` has been sent.
    pub cleanup_sent: bool,
    /// The thread holding the file-object lock of this synchronous file object (the I/O
    /// manager serialises every request on it: ReactOS `IopLockFileObject`), if any.
    pub lock_holder: Option<usize>,
}

impl FileExtra {
    /// The device of a file object opened on one (its create succeeded).
    pub fn opened_device(&self) -> Option<usize> {
        match self.target {
            FileTarget::Device(device) if self.opened => Some(device),
            _ => None,
        }
    }
}

/// One object's header.
#[derive(Debug)]
pub struct ObjectHeader {
    /// Its type.
    pub kind: ObjectKind,
    /// Logical pointer references.
    pub refs: u64,
    /// Open handles in all tables.
    pub handles: u32,
    /// References taken minus dropped through the exported routines, by who called them.
    pub export_refs: HashMap<Origin, i64>,
    /// Security, `None` for "anyone".
    pub security: Option<Security>,
    /// The body: what the object pointer points to.
    pub body: Block,
    /// Type-specific state.
    pub extra: Extra,
    /// Lives as long as the kernel (processes, threads).
    pub permanent: bool,
    /// Its last reference is gone and its close is under way.
    pub deleting: bool,
}

impl ObjectHeader {
    /// The net references the code of `driver` (and test code) took through exports and did
    /// not drop.
    pub fn references_of(&self, driver: usize) -> i64 {
        self.export_refs
            .iter()
            .filter(|(origin, _)| origin.counts_for(driver))
            .map(|(_, count)| count)
            .sum()
    }

    /// The object's name, for the kinds that have one in the model (a key's path, a link's or
    /// a directory's name, a file's path or the rest of a device path).
    pub fn name(&self) -> Option<String> {
        match &self.extra {
            Extra::Key(name) | Extra::SymbolicLink(name) | Extra::Directory(name) => {
                Some(name.clone())
            }
            Extra::File(file) => match &file.target {
                FileTarget::Disk(path) => Some(path.clone()),
                FileTarget::Volume => Some("\\Device\\HarddiskVolume1".to_owned()),
                FileTarget::Pipe { name, .. } => Some(format!("\\Device\\NamedPipe\\{name}")),
                FileTarget::Device(_) => None,
            },
            Extra::None | Extra::Section => None,
        }
    }

    /// The file-object state, if this is a file object.
    pub fn file(&self) -> Option<&FileExtra> {
        match &self.extra {
            Extra::File(file) => Some(file),
            _ => None,
        }
    }
}

/// The object manager's state.
#[derive(Debug, Default)]
pub struct ObjectManager {
    /// Object headers, keyed by body address.
    objects: HashMap<usize, ObjectHeader>,
    /// Bodies of deleted objects, poisoned and kept (bounded) so a stale pointer is
    /// recognised.
    graveyard: Quarantine,
    /// Handle tables by `PEPROCESS`.
    tables: HashMap<usize, HandleTable>,
    /// The System process, whose table is the kernel handle table.
    system_process: usize,
    /// Object directories by lower-case name (`\device`, `\??`, ...).
    directories: HashMap<String, usize>,
}

impl ObjectManager {
    /// Makes `process`'s table the kernel handle table (the System process's).
    pub fn set_system_process(&mut self, process: usize) {
        self.system_process = process;
    }

    /// Adds an object with no references and no handles; returns its body address.
    pub fn insert(
        &mut self,
        kind: ObjectKind,
        body: Block,
        extra: Extra,
        security: Option<Security>,
        permanent: bool,
    ) -> usize {
        let addr = body.addr();
        self.graveyard.remove(addr);
        self.objects.insert(
            addr,
            ObjectHeader {
                kind,
                refs: 0,
                handles: 0,
                export_refs: HashMap::new(),
                security,
                body,
                extra,
                permanent,
                deleting: false,
            },
        );
        addr
    }

    /// The live object at `addr`.
    pub fn get(&self, addr: usize) -> Option<&ObjectHeader> {
        self.objects.get(&addr).filter(|header| !header.deleting)
    }

    /// The object at `addr`, live or being closed.
    pub fn get_any(&self, addr: usize) -> Option<&ObjectHeader> {
        self.objects.get(&addr)
    }

    /// The object at `addr`, live or being closed, for change.
    pub fn get_any_mut(&mut self, addr: usize) -> Option<&mut ObjectHeader> {
        self.objects.get_mut(&addr)
    }

    /// Every object with its address.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &ObjectHeader)> {
        self.objects.iter().map(|(addr, header)| (*addr, header))
    }

    /// Whether `addr` is the body of an object already deleted.
    pub fn was_deleted(&self, addr: usize) -> bool {
        self.graveyard.contains(addr)
    }

    /// Takes a reference; returns the new count, `None` if `addr` is not a live object.
    pub fn add_reference(&mut self, addr: usize, origin: Origin) -> Option<u64> {
        let header = self
            .objects
            .get_mut(&addr)
            .filter(|header| !header.deleting)?;
        header.refs += 1;
        if origin.is_export() {
            *header.export_refs.entry(origin).or_default() += 1;
        }
        Some(header.refs)
    }

    /// Drops a reference and returns the count left. `Err` if `addr` is not a live object or
    /// has no reference to drop. Whether the object is then unused is for the caller to ask.
    pub fn drop_reference(&mut self, addr: usize, origin: Origin) -> Result<u64, ()> {
        let header = self
            .objects
            .get_mut(&addr)
            .filter(|header| !header.deleting)
            .ok_or(())?;
        if header.refs == 0 {
            return Err(());
        }
        header.refs -= 1;
        if origin.is_export() {
            *header.export_refs.entry(origin).or_default() -= 1;
        }
        Ok(header.refs)
    }

    /// Whether nothing refers to the object any more and it may go (not permanent, not
    /// already going).
    pub fn is_unused(&self, addr: usize) -> bool {
        self.objects.get(&addr).is_some_and(|header| {
            header.refs == 0 && header.handles == 0 && !header.permanent && !header.deleting
        })
    }

    /// Makes a permanent object temporary (`ObMakeTemporaryObject`): it goes when unused.
    pub fn make_temporary(&mut self, addr: usize) {
        if let Some(header) = self.objects.get_mut(&addr) {
            header.permanent = false;
        }
    }

    /// Adds the object directory `name` (a permanent object anyone may open).
    pub fn add_directory(&mut self, name: &str) -> usize {
        let key = normalize_directory(name);
        let object = self.insert(
            ObjectKind::Directory,
            Block::zeroed(DIRECTORY_BODY_SIZE),
            Extra::Directory(name.to_owned()),
            None,
            true,
        );
        self.directories.insert(key, object);
        object
    }

    /// The object directory named `name` (`\GLOBAL??` and `\DosDevices` are `\??`).
    pub fn directory(&self, name: &str) -> Option<usize> {
        self.directories.get(&normalize_directory(name)).copied()
    }

    /// Marks the object as going: it is no longer live, but stays until [`Self::delete`].
    pub fn mark_deleting(&mut self, addr: usize) {
        if let Some(header) = self.objects.get_mut(&addr) {
            header.deleting = true;
        }
    }

    /// Removes an object for good and returns its type-specific state: its body is poisoned
    /// and kept in the graveyard, so a stale pointer the driver still uses is recognised.
    pub fn delete(&mut self, addr: usize) -> Option<Extra> {
        let header = self.objects.remove(&addr)?;
        header.body.poison(0xDD);
        self.graveyard.insert(header.body);
        Some(header.extra)
    }
}
