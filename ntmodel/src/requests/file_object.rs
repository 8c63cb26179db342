//! What every open shares: the request, what it computes before resolving the path, and the
//! `FILE_OBJECT` the I/O manager builds for it (its `Lock` and `Event` initialised).
use crate::block::Block;
use crate::consts::{EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT, IO_TYPE_FILE};
use crate::dispatcher::objects::init_event_at;
use crate::machine::context::Context;
use crate::origin::Origin;
use nt_bindings as nt;
use std::mem::offset_of;

/// An open request (`NtCreateFile` / `ZwCreateFile` / `CreateFileW`).
#[derive(Debug, Clone)]
pub struct OpenRequest<'a> {
    /// NT or Win32 path.
    pub path: &'a str,
    /// Desired access (generic rights allowed).
    pub desired: u32,
    /// `OBJ_*` attributes.
    pub attributes: u32,
    /// Create options (`FILE_SYNCHRONOUS_IO_NONALERT`, ...).
    pub options: u32,
    /// Create disposition (`FILE_OPEN`, ...).
    pub disposition: u32,
    /// Share access.
    pub share: u32,
    /// The previous mode of the caller.
    pub mode: i8,
    /// Who asks (`Origin::Model` for a user-mode system service).
    pub origin: Origin,
    /// `ObjectAttributes->RootDirectory`: 0, or a handle to a file object the (then empty)
    /// path is relative to. A relative open with an empty name opens the same file again: a
    /// new file object (what `ReOpenFile` does).
    pub root: u64,
    /// `IoCreateFile`'s `IO_FORCE_ACCESS_CHECK`: check the open against the caller's token as
    /// for a user-mode open, whatever the previous mode.
    pub force_access_check: bool,
}

/// Builds a `FILE_OBJECT` on `device` (for a file system's file, the volume's device and its
/// mounted `vpb`; 0 for a driver's device) named `name`, with `flags` (`FO_*`).
pub(super) fn new_file_object(
    device: usize,
    vpb: usize,
    name: &str,
    flags: u32,
    granted: u32,
    share: u32,
) -> (Block, Option<Block>) {
    let block = Block::zeroed(size_of::<nt::FILE_OBJECT>());
    let (name_block, file_name) = if name.is_empty() {
        (
            None,
            nt::UNICODE_STRING {
                Length: 0,
                MaximumLength: 0,
                Buffer: std::ptr::null_mut(),
            },
        )
    } else {
        let (buffer, string) = crate::unicode::unicode_buffer(name);
        (Some(buffer), string)
    };
    let file = nt::FILE_OBJECT {
        Type: IO_TYPE_FILE,
        Size: i16::try_from(size_of::<nt::FILE_OBJECT>()).unwrap_or(i16::MAX),
        DeviceObject: device as nt::PDEVICE_OBJECT,
        Vpb: vpb as nt::PVPB,
        FileName: file_name,
        Flags: flags,
        ReadAccess: u8::from(granted & (nt::FILE_READ_DATA | nt::FILE_EXECUTE) != 0),
        WriteAccess: u8::from(granted & (nt::FILE_WRITE_DATA | nt::FILE_APPEND_DATA) != 0),
        DeleteAccess: u8::from(granted & nt::DELETE != 0),
        SharedRead: u8::from(share & nt::FILE_SHARE_READ != 0),
        SharedWrite: u8::from(share & nt::FILE_SHARE_WRITE != 0),
        SharedDelete: u8::from(share & nt::FILE_SHARE_DELETE != 0),
        ..Default::default()
    };
    let pointer = block.as_ptr::<nt::FILE_OBJECT>();
    // SAFETY: a fresh block the size of a FILE_OBJECT, 16-aligned.
    unsafe { pointer.write(file) };
    init_event_at(
        block.addr() + offset_of!(nt::FILE_OBJECT, Lock),
        EVENT_SYNCHRONIZATION_OBJECT,
        false,
    );
    init_event_at(
        block.addr() + offset_of!(nt::FILE_OBJECT, Event),
        EVENT_NOTIFICATION_OBJECT,
        false,
    );
    (block, name_block)
}

/// What every open computes from its request before resolving the path.
pub(super) struct OpenPlan {
    pub(super) context: Context,
    pub(super) check: bool,
    pub(super) kernel_handle: bool,
    pub(super) synchronous: bool,
    pub(super) desired: u32,
}

impl OpenPlan {
    /// `FO_SYNCHRONOUS_IO` if the open asked for synchronous I/O.
    pub(super) fn flags(&self) -> u32 {
        if self.synchronous {
            nt::FO_SYNCHRONOUS_IO
        } else {
            0
        }
    }
}
