//! The file namespace: a few files with content, an owner and readers, on one volume; and
//! named pipes. Opening a file checks access against the *current process's user* only when
//! the previous mode is `UserMode` or the caller forced the check (`OBJ_FORCE_ACCESS_CHECK`,
//! `IO_FORCE_ACCESS_CHECK`).
use crate::block::Block;
use crate::names::normalize_link;
use crate::security::Security;
use nt_bindings as nt;
use std::collections::{HashMap, VecDeque};

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

/// The files, the named pipes, and the file systems' device objects.
#[derive(Debug, Default)]
pub struct Files {
    entries: HashMap<String, FileEntry>,
    /// Named pipes by name (lower case, without `\Device\NamedPipe\`).
    pub pipes: HashMap<String, Pipe>,
    /// The volume's and the named-pipe file system's device objects.
    pub devices: FileSystemDevices,
}

impl Files {
    /// Adds or replaces a file.
    pub fn add(&mut self, path: &str, content: Vec<u8>, security: Security) {
        self.entries.insert(
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
        self.entries.contains_key(key)
    }

    /// The file at `key` (normalised).
    pub fn get(&self, key: &str) -> Option<&FileEntry> {
        self.entries.get(key)
    }

    /// Every file.
    pub fn iter(&self) -> impl Iterator<Item = &FileEntry> {
        self.entries.values()
    }
}

/// The volume every file of the namespace lives on (`\Device\HarddiskVolume1`, also `\??\C:`):
/// a file object opened on one of them names the volume's device object
/// (`FILE_DEVICE_DISK`) and its mounted `VPB`, as the I/O manager's parse does for a file
/// system's files (Microsoft's FILE_OBJECT page: a non-NULL `Vpb` means the file resides on a
/// mounted volume). Opening the volume itself is a volume (DASD) open: the file system sets
/// `FO_VOLUME_OPEN` on that file object.
pub const VOLUME_NAME: &str = "\\device\\harddiskvolume1";
/// The named-pipe file system's device (`\Device\NamedPipe`, also `\??\pipe`).
pub const NAMED_PIPE_NAME: &str = "\\device\\namedpipe";
/// Bytes a volume open reads: the model's volume is this many zero bytes.
pub const VOLUME_SIZE: usize = 64 * 1024;

/// One named pipe: what each end has written and the other has not read yet.
#[derive(Debug, Default)]
pub struct Pipe {
    /// Written by the server end, read by a client.
    pub to_client: VecDeque<u8>,
    /// Written by a client, read by the server end.
    pub to_server: VecDeque<u8>,
}

/// The device objects of the file systems the model has: the volume's (with its `VPB`) and
/// the named-pipe file system's. Owned by no driver; they live as long as the machine.
#[derive(Debug)]
pub struct FileSystemDevices {
    volume: Block,
    vpb: Block,
    named_pipe: Block,
}

impl FileSystemDevices {
    fn new() -> Self {
        let device = |device_type: u32| {
            let block = Block::zeroed(size_of::<nt::DEVICE_OBJECT>());
            let object = nt::DEVICE_OBJECT {
                Type: 3,
                Size: u16::try_from(size_of::<nt::DEVICE_OBJECT>()).unwrap_or(u16::MAX),
                DeviceType: device_type,
                ..Default::default()
            };
            // SAFETY: a fresh block the size of a DEVICE_OBJECT, 16-aligned.
            unsafe { block.as_ptr::<nt::DEVICE_OBJECT>().write(object) };
            block
        };
        let volume = device(nt::FILE_DEVICE_DISK);
        let vpb = Block::zeroed(size_of::<nt::_VPB>());
        let record = nt::_VPB {
            Type: 10,
            Size: i16::try_from(size_of::<nt::_VPB>()).unwrap_or(i16::MAX),
            RealDevice: volume.as_ptr(),
            DeviceObject: volume.as_ptr(),
            ..Default::default()
        };
        // SAFETY: a fresh block the size of a VPB, 16-aligned.
        unsafe { vpb.as_ptr::<nt::_VPB>().write(record) };
        // SAFETY: the volume block holds a DEVICE_OBJECT; nothing else refers to it yet.
        unsafe { (*volume.as_ptr::<nt::DEVICE_OBJECT>()).Vpb = vpb.as_ptr() };
        Self {
            volume,
            vpb,
            named_pipe: device(nt::FILE_DEVICE_NAMED_PIPE),
        }
    }

    /// The volume's `DEVICE_OBJECT`.
    pub fn volume(&self) -> usize {
        self.volume.addr()
    }

    /// The volume's mounted `VPB`.
    pub fn vpb(&self) -> usize {
        self.vpb.addr()
    }

    /// The named-pipe file system's `DEVICE_OBJECT`.
    pub fn named_pipe(&self) -> usize {
        self.named_pipe.addr()
    }
}

impl Default for FileSystemDevices {
    fn default() -> Self {
        Self::new()
    }
}
