//! The `Zw` file routines: `ZwCreateFile` (opens an existing file of the namespace, the
//! volume, a pipe or a device, or a file again relative to a handle; shared with
//! `IoCreateFile`), `ZwReadFile` (synchronous reads at an offset or the current position) and
//! `ZwQueryInformationFile` (`FileStandardInformation`, `FilePositionInformation`); what the
//! reads and queries do to each kind of file object is in `file_io`.
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::bad_parameter;
use super::file_io::{query_file, read_file};
use super::zw::{
    check_private_handle, prologue, reference_for_zw, release_for_zw, write_io_status,
};
use crate::consts::KERNEL_MODE;
use crate::machine::context::{self, Context};
use crate::object_types::ObjectKind;
use crate::requests::{self, OpenRequest};
use crate::unicode::read_object_attributes;
use nt_bindings as nt;

/// `ZwCreateFile`: opens an existing file of the namespace, the volume, a named pipe or a
/// device (`FILE_OPEN`), or (`RootDirectory` set, empty name) the same file again. Access is
/// checked only with `OBJ_FORCE_ACCESS_CHECK` (the previous mode is `KernelMode`).
#[expect(
    clippy::too_many_arguments,
    reason = "the NT routine's own parameters, plus the caller's context"
)]
pub unsafe fn ZwCreateFile(
    context: &Context,
    FileHandle: nt::PHANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
    IoStatusBlock: nt::PIO_STATUS_BLOCK,
    AllocationSize: nt::PLARGE_INTEGER,
    FileAttributes: nt::ULONG,
    ShareAccess: nt::ULONG,
    CreateDisposition: nt::ULONG,
    CreateOptions: nt::ULONG,
    EaBuffer: nt::PVOID,
    EaLength: nt::ULONG,
) -> nt::NTSTATUS {
    let _ = (AllocationSize, FileAttributes, EaBuffer, EaLength);
    if let Err(status) = prologue(context, "ZwCreateFile") {
        return status;
    }
    let open = FileCreate {
        routine: "ZwCreateFile",
        desired: DesiredAccess,
        share: ShareAccess,
        disposition: CreateDisposition,
        options: CreateOptions,
        force_access_check: false,
    };
    // SAFETY: the caller's contract for the pointers, passed on.
    unsafe { create_file(context, &open, FileHandle, ObjectAttributes, IoStatusBlock) }
}

/// The parameters of a file create other than its pointers.
pub struct FileCreate {
    /// The export, for messages.
    pub routine: &'static str,
    /// `DesiredAccess`.
    pub desired: u32,
    /// `ShareAccess`.
    pub share: u32,
    /// `CreateDisposition`.
    pub disposition: u32,
    /// `CreateOptions`.
    pub options: u32,
    /// `IO_FORCE_ACCESS_CHECK`.
    pub force_access_check: bool,
}

/// The create `ZwCreateFile` and `IoCreateFile` share, with previous mode `KernelMode`.
///
/// # Safety
/// The pointers as `ZwCreateFile` documents them.
pub unsafe fn create_file(
    context: &Context,
    open: &FileCreate,
    FileHandle: nt::PHANDLE,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
    IoStatusBlock: nt::PIO_STATUS_BLOCK,
) -> nt::NTSTATUS {
    let routine = open.routine;
    if FileHandle.is_null() || IoStatusBlock.is_null() {
        bad_parameter(context, routine, "FileHandle or IoStatusBlock is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the caller passes a writable FileHandle.
    unsafe { FileHandle.write(std::ptr::null_mut()) };
    // SAFETY: the caller passes valid attributes.
    let Some((name, attributes, root)) = (unsafe { read_object_attributes(ObjectAttributes) })
    else {
        bad_parameter(context, routine, "ObjectAttributes is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    };
    let path = name.unwrap_or_default();
    if path.is_empty() && root == 0 {
        return nt::STATUS_OBJECT_NAME_INVALID;
    }
    if let Err(status) = check_private_handle(context, routine, attributes) {
        return status;
    }
    let request = OpenRequest {
        path: &path,
        desired: open.desired,
        attributes,
        options: open.options,
        disposition: open.disposition,
        share: open.share,
        mode: KERNEL_MODE,
        origin: context.origin(),
        root: root as u64,
        force_access_check: open.force_access_check,
    };
    match context::with_previous_mode(KERNEL_MODE, || requests::open(&context.machine, &request)) {
        Ok((handle, information)) => {
            // SAFETY: the caller passes a writable FileHandle.
            unsafe { FileHandle.write(handle as nt::HANDLE) };
            write_io_status(IoStatusBlock, nt::STATUS_SUCCESS, information);
            nt::STATUS_SUCCESS
        }
        Err(status) => status,
    }
}

/// `ZwReadFile`: synchronous read of a namespace file, at `ByteOffset` or (for a file opened
/// for synchronous I/O) at the current position.
#[expect(
    clippy::too_many_arguments,
    reason = "the NT routine's own parameters, plus the caller's context"
)]
pub unsafe fn ZwReadFile(
    context: &Context,
    FileHandle: nt::HANDLE,
    Event: nt::HANDLE,
    ApcRoutine: nt::PIO_APC_ROUTINE,
    ApcContext: nt::PVOID,
    IoStatusBlock: nt::PIO_STATUS_BLOCK,
    Buffer: nt::PVOID,
    Length: nt::ULONG,
    ByteOffset: nt::PLARGE_INTEGER,
    Key: nt::PULONG,
) -> nt::NTSTATUS {
    let _ = (ApcRoutine, ApcContext, Key);
    if let Err(status) = prologue(context, "ZwReadFile") {
        return status;
    }
    if IoStatusBlock.is_null() || (Buffer.is_null() && Length != 0) {
        bad_parameter(context, "ZwReadFile", "IoStatusBlock or Buffer is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    }
    let file = match reference_for_zw(context, "ZwReadFile", FileHandle, ObjectKind::File) {
        Ok(file) => file,
        Err(status) => return status,
    };
    let status = read_file(context, file, IoStatusBlock, Buffer, Length, ByteOffset);
    release_for_zw(context, file);
    if status != nt::STATUS_PENDING
        && !Event.is_null()
        && let Ok(event) = reference_for_zw(context, "ZwReadFile", Event, ObjectKind::Event)
    {
        // SAFETY: a live event object's body is a KEVENT.
        unsafe { crate::fields::signal_state(event) }
            .store(1, std::sync::atomic::Ordering::Release);
        release_for_zw(context, event);
    }
    status
}

/// `ZwQueryInformationFile` for `FileStandardInformation` and `FilePositionInformation`.
pub unsafe fn ZwQueryInformationFile(
    context: &Context,
    FileHandle: nt::HANDLE,
    IoStatusBlock: nt::PIO_STATUS_BLOCK,
    FileInformation: nt::PVOID,
    Length: nt::ULONG,
    FileInformationClass: nt::FILE_INFORMATION_CLASS,
) -> nt::NTSTATUS {
    if let Err(status) = prologue(context, "ZwQueryInformationFile") {
        return status;
    }
    if IoStatusBlock.is_null() || FileInformation.is_null() {
        bad_parameter(
            context,
            "ZwQueryInformationFile",
            "IoStatusBlock or FileInformation is NULL",
        );
        return nt::STATUS_INVALID_PARAMETER;
    }
    let file = match reference_for_zw(
        context,
        "ZwQueryInformationFile",
        FileHandle,
        ObjectKind::File,
    ) {
        Ok(file) => file,
        Err(status) => return status,
    };
    let status = query_file(
        context,
        file,
        IoStatusBlock,
        FileInformation,
        Length,
        FileInformationClass,
    );
    release_for_zw(context, file);
    status
}
