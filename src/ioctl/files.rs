//! File inspection through a user's file handle, and opening a file on the user's behalf.
//!
//! Inspection: the handle is referenced with `FILE_READ_DATA` and the file object type in the
//! caller's context; the driver then opens its *own* kernel handle to that file object with
//! exactly that access (`ObOpenObjectByPointer`, `OBJ_KERNEL_HANDLE`,
//! KernelMode) and reads with Zw calls, so the user can close or reuse its handle value
//! meanwhile without effect. Only synchronous file objects are accepted: an asynchronous one
//! (opened without `FILE_SYNCHRONOUS_IO_[NON]ALERT`) would make `ZwReadFile` return
//! `STATUS_PENDING` with no event to wait on, so it is refused with
//! `STATUS_INVALID_PARAMETER`.
//!
//! Open-as-caller: the path is a `RequestorPath`, which the layer opens only with
//! `OBJ_KERNEL_HANDLE | OBJ_FORCE_ACCESS_CHECK` in the caller's context, so the access check
//! runs against the caller's token: nobody reads through the driver what they could not read
//! themselves.
use crate::request::{Failure, Reply, Request};
use handleguard_protocol::{
    CHECKSUM_SEED, CHECKSUM_WINDOW, FileReport, InspectFileRequest, OpenAsCallerRequest, Refusal,
    checksum_update,
};
use wdm_safe::access::{Access, File};
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
    if !file.is_synchronous() {
        return Err(Failure::Audited(
            Refusal::AsynchronousFile,
            NtError::INVALID_PARAMETER,
        ));
    }
    let private = file.open_private().map_err(Failure::Status)?;
    let report = report(&private).map_err(Failure::Status)?;
    request.reply(&report)
}

/// `IOCTL_HANDLEGUARD_OPEN_AS_CALLER`. IRQL: PASSIVE_LEVEL, requestor's context (checked by
/// the layer: the forced access check uses the current thread's token).
pub fn open_as_caller(request: &mut Request) -> Result<Reply, Failure> {
    let wire: OpenAsCallerRequest = request.decode()?;
    let units = wire.units().ok_or_else(Failure::bad_input)?;
    let path = RequestorPath::from_wire(units).ok_or_else(Failure::bad_input)?;
    request.expect_room_for::<FileReport>()?;
    let file =
        KernelHandle::open_file_for_requestor(request.irp(), &path).map_err(
            |error| match error {
                RequestorError::Status(NtError::ACCESS_DENIED) => {
                    Failure::Audited(Refusal::CallerAccessDenied, NtError::ACCESS_DENIED)
                }
                other => other.into(),
            },
        )?;
    let report = report(&file).map_err(Failure::Status)?;
    request.reply(&report)
}

/// Size and checksum of the first [`CHECKSUM_WINDOW`] bytes, read in small chunks so no
/// large stack frame or pool allocation is needed.
fn report(file: &KernelHandle) -> Result<FileReport, NtError> {
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
