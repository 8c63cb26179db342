//! `IoCreateFile`: the create `ZwCreateFile` makes, with options. `IO_FORCE_ACCESS_CHECK`
//! checks the open against the caller's token as a user-mode open would be (Microsoft's
//! IoCreateFile page: "the I/O manager must check the create request against the file's
//! security descriptor"); `IO_NO_PARAMETER_CHECKING` makes the I/O manager treat the
//! parameters as the caller's kernel memory (access mode KernelMode). Without it the access
//! mode is the previous mode: from the dispatch routine of a user's request that is UserMode,
//! and the driver's kernel buffers fail the probe for user addresses.
use super::bad_parameter;
use super::zw::prologue;
use super::zw_file::{FileCreate, create_file};
use crate::consts::{STATUS_ACCESS_VIOLATION, USER_MODE};
use crate::machine::context::Context;
use nt_bindings as nt;

/// `IoCreateFile` for `CreateFileTypeNone`.
#[expect(
    clippy::too_many_arguments,
    reason = "the NT routine's own parameters, plus the caller's context"
)]
pub unsafe fn IoCreateFile(
    context: &Context,
    FileHandle: nt::PHANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
    IoStatusBlock: nt::PIO_STATUS_BLOCK,
    AllocationSize: nt::PLARGE_INTEGER,
    FileAttributes: nt::ULONG,
    ShareAccess: nt::ULONG,
    Disposition: nt::ULONG,
    CreateOptions: nt::ULONG,
    EaBuffer: nt::PVOID,
    EaLength: nt::ULONG,
    CreateFileType: nt::CREATE_FILE_TYPE,
    InternalParameters: nt::PVOID,
    Options: nt::ULONG,
) -> nt::NTSTATUS {
    let _ = (AllocationSize, FileAttributes, EaBuffer, EaLength);
    if let Err(status) = prologue(context, "IoCreateFile") {
        return status;
    }
    if CreateFileType != nt::_CREATE_FILE_TYPE::CreateFileTypeNone || !InternalParameters.is_null()
    {
        bad_parameter(
            context,
            "IoCreateFile",
            "CreateFileType other than CreateFileTypeNone, or InternalParameters set",
        );
        return nt::STATUS_INVALID_PARAMETER;
    }
    if Options & nt::IO_NO_PARAMETER_CHECKING == 0 && context.previous_mode == USER_MODE {
        // The access mode is the previous mode: the handle and attribute pointers are probed
        // as user addresses, and the driver's kernel buffers are not.
        return STATUS_ACCESS_VIOLATION;
    }
    let open = FileCreate {
        routine: "IoCreateFile",
        desired: DesiredAccess,
        share: ShareAccess,
        disposition: Disposition,
        options: CreateOptions,
        force_access_check: Options & nt::IO_FORCE_ACCESS_CHECK != 0,
    };
    // SAFETY: the caller's contract for the pointers, passed on.
    unsafe { create_file(context, &open, FileHandle, ObjectAttributes, IoStatusBlock) }
}
