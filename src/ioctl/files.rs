//! File inspection through a user's file handle, and opening a file on the user's behalf.
//! Both read only files on a file-system volume, and only through a file object of the
//! driver's own.
//!
//! Inspection: the handle is referenced with `FILE_READ_DATA` and the file object type in the
//! caller's context. What the file object is opened on is read from the object itself
//! (`FileKind`: its device's type, its VPB, its flags) before anything else: a named pipe, a
//! mailslot, a device (this driver's own device handle included) or a whole volume is refused
//! (`Refusal::NotAFile`, `STATUS_NOT_SUPPORTED`) without a request sent to it, so a pipe's data
//! is not consumed, a read that would wait for a writer never starts, and the device handle
//! the request came on is not queried (the I/O manager holds that synchronous file object's
//! lock for the whole request: the query would wait on itself). A file is then opened again,
//! relative to it with an empty name (what `ReOpenFile` does): a file object of the driver's
//! own, with its own position and lock, so the caller's `CurrentByteOffset` does not move and
//! the driver never serialises on the caller's file object. That open asks for
//! `FILE_READ_DATA | SYNCHRONIZE` only and is checked against the caller's token
//! (`OBJ_FORCE_ACCESS_CHECK`, `IO_FORCE_ACCESS_CHECK`): the handle proved the caller had read
//! access once, the check proves it may open the file now, so the driver reads no file the
//! caller could not open itself. Of files, only synchronous file objects are accepted:
//! an asynchronous one is refused with `STATUS_INVALID_PARAMETER`.
//!
//! Open-as-caller: the path is a `RequestorPath`, which the layer opens only with
//! `OBJ_KERNEL_HANDLE | OBJ_FORCE_ACCESS_CHECK` and `IO_FORCE_ACCESS_CHECK` in the caller's
//! context, so the object manager and the file system check the open against the caller's
//! token: nobody reads through the driver what they could not read themselves. What the path
//! reached is kept only if it is a file on a file-system volume; a device path
//! (`\Device\...`), a pipe or a whole volume is closed again unread (`Refusal::NotAFile`): the
//! reads that would follow carry RequestorMode KernelMode to whatever the path reaches.
use crate::request::{Failure, Reply, Request};
use handleguard_protocol::{
    CHECKSUM_SEED, CHECKSUM_WINDOW, FileReport, InspectFileRequest, OpenAsCallerRequest, Refusal,
    checksum_update,
};
use wdm_safe::access::{Access, File};
use wdm_safe::file::{FileKind, OwnFile};
use wdm_safe::handle::{KernelHandle, RequestorError, UserHandle};
use wdm_safe::name::RequestorPath;
use wdm_safe::status::NtError;

/// `IOCTL_HANDLEGUARD_INSPECT_FILE`. IRQL: PASSIVE_LEVEL, requestor's context.
pub fn inspect(request: &mut Request) -> Result<Reply, Failure> {
    let InspectFileRequest { file } = request.decode()?;
    request.expect_room_for::<FileReport>()?;
    let handle = UserHandle::from_wire(file, request.irp());
    let file = handle
        .reference::<File>(request.irp(), Access::<File>::READ_DATA)
        .map_err(|error| Failure::from_handle(handle, error))?;
    if file.kind() != FileKind::VolumeFile {
        return Err(Failure::not_a_file());
    }
    if !file.is_synchronous() {
        return Err(Failure::Audited(
            Refusal::AsynchronousFile,
            NtError::INVALID_PARAMETER,
        ));
    }
    let own = file
        .reopen_for_reading(request.irp())
        .map_err(caller_access_denied)?;
    let report = report(&own).map_err(Failure::Status)?;
    request.reply(&report)
}

/// `IOCTL_HANDLEGUARD_OPEN_AS_CALLER`. IRQL: PASSIVE_LEVEL, requestor's context (checked by
/// the layer: the forced access check uses the current thread's token).
pub fn open_as_caller(request: &mut Request) -> Result<Reply, Failure> {
    let wire: OpenAsCallerRequest = request.decode()?;
    let units = wire.units().ok_or_else(Failure::bad_input)?;
    let path = RequestorPath::from_wire(units).ok_or_else(Failure::bad_input)?;
    request.expect_room_for::<FileReport>()?;
    let file = KernelHandle::open_file_for_requestor(request.irp(), &path)
        .map_err(caller_access_denied)?;
    let report = report(&file).map_err(Failure::Status)?;
    request.reply(&report)
}

/// An open the caller's token does not allow is the audited `CallerAccessDenied`.
fn caller_access_denied(error: RequestorError) -> Failure {
    match error {
        RequestorError::Status(NtError::ACCESS_DENIED) => {
            Failure::Audited(Refusal::CallerAccessDenied, NtError::ACCESS_DENIED)
        }
        other => other.into(),
    }
}

/// Size and checksum of the first [`CHECKSUM_WINDOW`] bytes, read in small chunks so no
/// large stack frame or pool allocation is needed.
fn report(file: &OwnFile) -> Result<FileReport, NtError> {
    let size = file.file_size()?;
    let window = size.min(u64::from(CHECKSUM_WINDOW));
    let mut chunk = [0u8; 512];
    let mut offset = 0u64;
    let mut hash = CHECKSUM_SEED;
    while offset < window {
        let want = usize::try_from(window - offset)
            .unwrap_or(chunk.len())
            .min(chunk.len());
        let buffer = chunk.get_mut(..want).ok_or(NtError::INVALID_PARAMETER)?;
        let read = file.read_at(offset, buffer)?;
        if read == 0 {
            break;
        }
        hash = checksum_update(hash, buffer.get(..read).unwrap_or_default());
        offset += read as u64;
    }
    Ok(FileReport {
        size,
        checksum: hash,
        checksummed: u32::try_from(offset).unwrap_or(CHECKSUM_WINDOW),
    })
}
