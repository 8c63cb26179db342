//! File-object kinds and `IoCreateFile`, declared by hand (the generated allowlist has
//! neither). The values are those of mingw-w64's and the WDK's `wdm.h`.
//!
//! - `FILE_DEVICE_*`: the `DeviceType` of a `DEVICE_OBJECT`; a file object's `DeviceObject`
//!   tells a file on a storage volume from a named pipe, a mailslot or another driver's device.
//! - `FO_*`: `FILE_OBJECT.Flags` bits set by the I/O manager or the file system.
//! - `IO_*`: `IoCreateFile` options.
use crate::{
    ACCESS_MASK, NTSTATUS, PHANDLE, PIO_STATUS_BLOCK, PLARGE_INTEGER, POBJECT_ATTRIBUTES, PVOID,
    ULONG,
};

/// `FILE_DEVICE_CD_ROM`.
pub const FILE_DEVICE_CD_ROM: u32 = 0x02;
/// `FILE_DEVICE_CD_ROM_FILE_SYSTEM`.
pub const FILE_DEVICE_CD_ROM_FILE_SYSTEM: u32 = 0x03;
/// `FILE_DEVICE_DISK`.
pub const FILE_DEVICE_DISK: u32 = 0x07;
/// `FILE_DEVICE_DISK_FILE_SYSTEM`.
pub const FILE_DEVICE_DISK_FILE_SYSTEM: u32 = 0x08;
/// `FILE_DEVICE_MAILSLOT`.
pub const FILE_DEVICE_MAILSLOT: u32 = 0x0C;
/// `FILE_DEVICE_NAMED_PIPE`.
pub const FILE_DEVICE_NAMED_PIPE: u32 = 0x11;
/// `FILE_DEVICE_NETWORK_FILE_SYSTEM`.
pub const FILE_DEVICE_NETWORK_FILE_SYSTEM: u32 = 0x14;
/// `FILE_DEVICE_VIRTUAL_DISK`.
pub const FILE_DEVICE_VIRTUAL_DISK: u32 = 0x24;
/// `FILE_DEVICE_DVD`.
pub const FILE_DEVICE_DVD: u32 = 0x33;

/// `FO_NAMED_PIPE`: the server end of a named pipe.
pub const FO_NAMED_PIPE: u32 = 0x0000_0080;
/// `FO_MAILSLOT`: the server end of a mailslot.
pub const FO_MAILSLOT: u32 = 0x0000_0200;
/// `FO_DIRECT_DEVICE_OPEN`: the device itself was opened, not a file system on it.
pub const FO_DIRECT_DEVICE_OPEN: u32 = 0x0000_0800;
/// `FO_VOLUME_OPEN`: a volume opened as a whole (a DASD open: `\\.\C:`).
pub const FO_VOLUME_OPEN: u32 = 0x0040_0000;

/// `IoCreateFile` option: the buffers are the caller's kernel memory; use KernelMode for them
/// whatever the previous mode.
pub const IO_NO_PARAMETER_CHECKING: u32 = 0x0100;

/// `CREATE_FILE_TYPE`, as bindgen's module-constants enum style writes it.
pub mod _CREATE_FILE_TYPE {
    /// The enum's C type.
    pub type Type = i32;
    /// An ordinary file or device.
    pub const CreateFileTypeNone: Type = 0;
    /// A named pipe's server end (`NtCreateNamedPipeFile`).
    pub const CreateFileTypeNamedPipe: Type = 1;
    /// A mailslot's server end (`NtCreateMailslotFile`).
    pub const CreateFileTypeMailslot: Type = 2;
}
pub use self::_CREATE_FILE_TYPE::Type as CREATE_FILE_TYPE;

#[cfg_attr(
    windows,
    link(name = "ntoskrnl.exe", kind = "raw-dylib", modifiers = "+verbatim")
)]
unsafe extern "C" {
    pub fn IoCreateFile(
        FileHandle: PHANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectAttributes: POBJECT_ATTRIBUTES,
        IoStatusBlock: PIO_STATUS_BLOCK,
        AllocationSize: PLARGE_INTEGER,
        FileAttributes: ULONG,
        ShareAccess: ULONG,
        Disposition: ULONG,
        CreateOptions: ULONG,
        EaBuffer: PVOID,
        EaLength: ULONG,
        CreateFileType: CREATE_FILE_TYPE,
        InternalParameters: PVOID,
        Options: ULONG,
    ) -> NTSTATUS;
}
