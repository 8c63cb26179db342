//! The object namespace, where it crosses subsystems: the object directories created at boot,
//! symbolic links (an I/O manager record and an object-manager object each), and resolving an
//! NT or Win32 path through the links of `\??` to a file of the file namespace or to a
//! device and the rest of the path.
use super::Subsystems;
use crate::block::Block;
use crate::io_manager::SymbolicLink;
use crate::names::{key, normalize_link, nt_path};
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use nt_bindings as nt;

/// The object directories every machine has.
const DIRECTORIES: [&str; 7] = [
    "\\",
    "\\Device",
    "\\Driver",
    "\\GLOBAL??",
    "\\BaseNamedObjects",
    "\\KernelObjects",
    "\\ObjectTypes",
];

/// Size of the opaque `OBJECT_SYMBOLIC_LINK` body.
const LINK_BODY_SIZE: usize = 32;

/// Where a path leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A device, with the rest of the path (`FileObject->FileName`).
    Device { device: usize, remainder: String },
    /// A file of the file namespace (its key).
    Disk(String),
    /// The volume the files are on, as a whole (`\\.\C:`, `\Device\HarddiskVolume1`).
    Volume,
    /// A named pipe (its name, lower case), which may not exist.
    Pipe(String),
}

/// The names the model's file systems answer to: the volume (whole) and the named-pipe file
/// system's prefix, each with its `\??` link as Windows has them (`C:`, `pipe`).
fn file_system_name(lower: &str) -> Option<Resolved> {
    use crate::file_system::{NAMED_PIPE_NAME, VOLUME_NAME};
    if lower == VOLUME_NAME || lower == "\\??\\c:" {
        return Some(Resolved::Volume);
    }
    let rest = lower
        .strip_prefix("\\??\\pipe\\")
        .or_else(|| lower.strip_prefix(NAMED_PIPE_NAME)?.strip_prefix('\\'))?;
    (!rest.is_empty()).then(|| Resolved::Pipe(rest.to_owned()))
}

impl Subsystems {
    /// Creates the object directories of a fresh machine.
    pub fn create_directories(&mut self) {
        for name in DIRECTORIES {
            self.ob.add_directory(name);
        }
    }

    /// `IoCreateSymbolicLink`: the link object (permanent) and the link.
    pub fn create_symbolic_link(
        &mut self,
        name: &str,
        target: &str,
        origin: Origin,
    ) -> Result<(), nt::NTSTATUS> {
        if self.io.link_exists(name) {
            return Err(nt::STATUS_OBJECT_NAME_COLLISION);
        }
        let object = self.ob.insert(
            ObjectKind::SymbolicLink,
            Block::zeroed(LINK_BODY_SIZE),
            Extra::SymbolicLink(name.to_owned()),
            None,
            true,
        );
        self.io.add_link(SymbolicLink {
            name: name.to_owned(),
            target: target.to_owned(),
            origin,
            object,
        })
    }

    /// `IoDeleteSymbolicLink`: the name goes at once; the object is made temporary and goes
    /// when no handle or reference is left.
    pub fn delete_symbolic_link(&mut self, name: &str) -> Result<(), nt::NTSTATUS> {
        let link = self.io.remove_link(name)?;
        self.ob.make_temporary(link.object);
        if let Some(deferred) = self.release_if_unused(link.object) {
            self.deferred.push_back(deferred);
        }
        Ok(())
    }

    /// The object named `name` of `kind` (a symbolic link or an object directory).
    pub fn named_object(&self, kind: ObjectKind, name: &str) -> Result<usize, nt::NTSTATUS> {
        let found = match kind {
            ObjectKind::SymbolicLink => self.io.link(name).map(|link| link.object),
            ObjectKind::Directory => self.ob.directory(name),
            _ => None,
        };
        found.ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    }

    /// Resolves an NT or Win32 path through symbolic links to a device or a file.
    pub fn resolve(&self, path: &str) -> Result<Resolved, nt::NTSTATUS> {
        let mut path = nt_path(path);
        let lower = normalize_link(&path);
        if self.files.contains(&lower) {
            return Ok(Resolved::Disk(lower));
        }
        if let Some(resolved) = file_system_name(&lower) {
            return Ok(resolved);
        }
        if let Some(rest) = lower.strip_prefix("\\??\\") {
            let (link, tail_len) = match rest.find('\\') {
                Some(split) => (&rest[..split], rest.len() - split),
                None => (rest, 0),
            };
            let Some(found) = self.io.links.get(&format!("\\??\\{link}")) else {
                return Err(nt::STATUS_OBJECT_NAME_NOT_FOUND);
            };
            let tail = &path[path.len() - tail_len..];
            path = format!("{}{tail}", found.target);
            let lower = key(&path);
            if self.files.contains(&lower) {
                return Ok(Resolved::Disk(lower));
            }
        }
        let lower = key(&path);
        let mut best: Option<(usize, usize)> = None;
        for (name, device) in &self.io.device_names {
            let matches = lower == *name
                || (lower.starts_with(name.as_str()) && lower[name.len()..].starts_with('\\'));
            if matches && best.is_none_or(|(length, _)| name.len() > length) {
                best = Some((name.len(), *device));
            }
        }
        match best {
            Some((length, device)) => Ok(Resolved::Device {
                device,
                remainder: path[length..].to_owned(),
            }),
            None => Err(nt::STATUS_OBJECT_NAME_NOT_FOUND),
        }
    }
}
