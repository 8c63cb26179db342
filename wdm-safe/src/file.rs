//! Files the driver reads: what a user's file object is, and a file object of the driver's own
//! to read it through.
//!
//! - [`FileKind`]: told from the referenced `FILE_OBJECT` alone, before anything is opened or
//!   read: its `DeviceObject`'s `DeviceType`, whether it was opened through a mounted file
//!   system (`Vpb`; Microsoft's FILE_OBJECT page: a non-NULL `Vpb` means the file resides on a
//!   mounted volume), and the flags the I/O manager and file systems set (`FO_VOLUME_OPEN`,
//!   `FO_DIRECT_DEVICE_OPEN`, `FO_NAMED_PIPE`, `FO_MAILSLOT`). Nothing here sends a request to
//!   the object, so a pipe is not read and a device is not called.
//! - [`OwnFile`]: a file object the driver opened itself, on a file of a file-system volume.
//!   The only type with reads (`ZwQueryInformationFile`, `ZwReadFile`; guidance rule 7: a
//!   handle opened with a Zw or Io call is used and closed with Zw calls). A user's file
//!   object is never read: a second handle to it (`ObOpenObjectByPointer`) would share its
//!   position (a synchronous read moves `CurrentByteOffset`, explicit offset or not: the
//!   ZwReadFile page) and its file-object lock, which the I/O manager holds while a request
//!   sent on that object is dispatched (ReactOS `IopLockFileObject`).
use crate::access::{Access, File};
use crate::attributes::ObjectAttributes;
use crate::ffi;
use crate::handle::{KernelHandle, RequestorError};
use crate::irp::Irp;
use crate::object::ObjectRef;
use crate::status::{NtError, NtResult, NtStatus};
use crate::unicode::UnicodeStr;

/// What a file object is opened on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A file (or directory) of a file system on a mounted storage volume: the only kind the
    /// driver reads.
    VolumeFile,
    /// A volume or disk opened whole (`FO_VOLUME_OPEN`, a DASD open such as `\\.\C:`) or a
    /// storage device opened directly (`FO_DIRECT_DEVICE_OPEN`): its reads are raw sectors.
    Volume,
    /// An end of a named pipe (`FILE_DEVICE_NAMED_PIPE`): reads consume the writer's data and
    /// wait when there is none.
    NamedPipe,
    /// A mailslot (`FILE_DEVICE_MAILSLOT`).
    Mailslot,
    /// Any other device: another driver's, this driver's own, a network redirector's (whose
    /// remote pipes cannot be told from files here).
    Device,
}

impl FileKind {
    /// The storage device types a file system's volume can sit on, and the file systems' own.
    const STORAGE: [u32; 6] = [
        ffi::FILE_DEVICE_DISK,
        ffi::FILE_DEVICE_CD_ROM,
        ffi::FILE_DEVICE_DVD,
        ffi::FILE_DEVICE_VIRTUAL_DISK,
        ffi::FILE_DEVICE_DISK_FILE_SYSTEM,
        ffi::FILE_DEVICE_CD_ROM_FILE_SYSTEM,
    ];

    /// The kind of a file object with these `Flags`, its device's `DeviceType` (`None`
    /// without a device), and whether its `Vpb` is set.
    fn of(flags: u32, device_type: Option<u32>, mounted: bool) -> Self {
        let Some(device_type) = device_type else {
            return Self::Device;
        };
        if device_type == ffi::FILE_DEVICE_NAMED_PIPE || flags & ffi::FO_NAMED_PIPE != 0 {
            return Self::NamedPipe;
        }
        if device_type == ffi::FILE_DEVICE_MAILSLOT || flags & ffi::FO_MAILSLOT != 0 {
            return Self::Mailslot;
        }
        if !Self::STORAGE.contains(&device_type) {
            return Self::Device;
        }
        if !mounted || flags & (ffi::FO_VOLUME_OPEN | ffi::FO_DIRECT_DEVICE_OPEN) != 0 {
            return Self::Volume;
        }
        Self::VolumeFile
    }
}

impl ObjectRef<File> {
    /// What this file object is opened on, read from the `FILE_OBJECT` and its device.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    #[must_use]
    pub fn kind(&self) -> FileKind {
        let file = self.as_raw().cast::<ffi::FILE_OBJECT>();
        // SAFETY: a file object's body is a FILE_OBJECT, alive while we hold the reference.
        let flags = unsafe { (*file).Flags };
        // SAFETY: as above; the I/O manager sets DeviceObject and Vpb before the object has a
        // handle, and never changes them.
        let device = unsafe { (*file).DeviceObject };
        // SAFETY: as above.
        let mounted = !unsafe { (*file).Vpb }.is_null();
        let device_type = if device.is_null() {
            None
        } else {
            // SAFETY: a file object's device stays allocated while the file object lives (the
            // I/O manager counts it in the device's ReferenceCount).
            Some(unsafe { (*device).DeviceType })
        };
        FileKind::of(flags, device_type, mounted)
    }

    /// A file object of the driver's own on the file this one names: a relative open with an
    /// empty name and `RootDirectory` a private handle to this object (what `ReOpenFile`
    /// does), through `IoCreateFile` with `OBJ_FORCE_ACCESS_CHECK` and
    /// `IO_FORCE_ACCESS_CHECK`, asking for `FILE_READ_DATA | SYNCHRONIZE` only. The caller's
    /// handle was validated for `FILE_READ_DATA`; the new open is checked against the caller's
    /// token as well, as if the caller opened the file again now, so the driver reads nothing
    /// the caller could not open for itself. It shares every mode with other opens, so it
    /// never fails for a sharing violation the caller's own open would not see. Anything but a
    /// [`FileKind::VolumeFile`] is refused before anything is opened.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked: the forced access check uses
    /// the current thread's token).
    ///
    /// # Errors
    /// [`RequestorError::WrongContext`], [`RequestorError::NotAFile`], or the kernel's status
    /// (`STATUS_ACCESS_DENIED` when the caller may not open the file for reading now).
    pub fn reopen_for_reading(&self, irp: &Irp) -> Result<OwnFile, RequestorError> {
        if !irp.in_requestor_context() {
            return Err(RequestorError::WrongContext);
        }
        if self.kind() != FileKind::VolumeFile {
            return Err(RequestorError::NotAFile);
        }
        let root = KernelHandle::root_of(self)?;
        let mut empty = UnicodeStr::new(&[]).ok_or(NtError::INVALID_PARAMETER)?;
        let mut attributes = ObjectAttributes::reopen_for_requestor(&root, &mut empty);
        let handle = KernelHandle::create_file_for_requestor(
            &mut attributes,
            ffi::FILE_READ_DATA | ffi::SYNCHRONIZE,
            ffi::FILE_SHARE_READ | ffi::FILE_SHARE_WRITE | ffi::FILE_SHARE_DELETE,
        )?;
        let own = handle.reference(Access::<File>::READ_DATA)?;
        if own.kind() != FileKind::VolumeFile {
            return Err(RequestorError::NotAFile);
        }
        Ok(OwnFile::new(handle))
    }
}

/// A file on a file-system volume, through a file object the driver opened itself: its own
/// position and its own file-object lock, so reading it changes nothing the user holds.
///
/// # Invariants
/// `handle` is a kernel handle the driver opened (for synchronous I/O, with at least
/// `FILE_READ_DATA`) on a file object of kind [`FileKind::VolumeFile`] that no user handle
/// names.
pub struct OwnFile {
    handle: KernelHandle,
}

impl OwnFile {
    /// # Invariants
    /// The caller opened `handle` itself and checked its kind.
    pub(crate) fn new(handle: KernelHandle) -> Self {
        // INVARIANT: the callers (the two opens above) opened it and checked its kind.
        Self { handle }
    }

    /// `ZwQueryInformationFile(FileStandardInformation)`: the end-of-file position.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn file_size(&self) -> NtResult<u64> {
        // SAFETY: all-zero is valid for both plain-data structs.
        let mut io_status: ffi::IO_STATUS_BLOCK = unsafe { core::mem::zeroed() };
        // SAFETY: as above.
        let mut info: ffi::FILE_STANDARD_INFORMATION = unsafe { core::mem::zeroed() };
        // SAFETY: our kernel handle; buffers of the stated size.
        let status = unsafe {
            ffi::ZwQueryInformationFile(
                self.handle.raw(),
                &raw mut io_status,
                (&raw mut info).cast(),
                ffi::typed::size_of::<ffi::FILE_STANDARD_INFORMATION>(),
                ffi::_FILE_INFORMATION_CLASS::FileStandardInformation,
            )
        };
        NtStatus::from_raw(status).ok()?;
        // SAFETY: LARGE_INTEGER is a union of plain integers; QuadPart covers all of it.
        let end = unsafe { info.EndOfFile.QuadPart };
        u64::try_from(end).map_err(|_| NtError::UNSUCCESSFUL)
    }

    /// `ZwReadFile` of up to `buffer.len()` bytes at `offset`; returns the bytes read
    /// (0 at end of file). The position it moves is this file object's own.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn read_at(&self, offset: u64, buffer: &mut [u8]) -> NtResult<usize> {
        let length = u32::try_from(buffer.len()).map_err(|_| NtError::INVALID_PARAMETER)?;
        // SAFETY: all-zero is valid for both plain-data structs.
        let mut io_status: ffi::IO_STATUS_BLOCK = unsafe { core::mem::zeroed() };
        // SAFETY: as above.
        let mut byte_offset: ffi::LARGE_INTEGER = unsafe { core::mem::zeroed() };
        byte_offset.QuadPart = i64::try_from(offset).map_err(|_| NtError::INVALID_PARAMETER)?;
        // SAFETY: our kernel handle (opened for synchronous I/O, so the call completes before
        // returning); a kernel buffer of `length` bytes.
        let status = unsafe {
            ffi::ZwReadFile(
                self.handle.raw(),
                core::ptr::null_mut(),
                None,
                core::ptr::null_mut(),
                &raw mut io_status,
                buffer.as_mut_ptr().cast(),
                length,
                &raw mut byte_offset,
                core::ptr::null_mut(),
            )
        };
        let status = NtStatus::from_raw(status);
        if status == NtError::END_OF_FILE.status() {
            return Ok(0);
        }
        status.ok()?;
        let read = usize::try_from(io_status.Information).map_err(|_| NtError::UNSUCCESSFUL)?;
        Ok(read.min(buffer.len()))
    }
}
