//! The `Zw` file routines: `ZwCreateFile` (opens an existing file of the namespace or a
//! device), `ZwReadFile` (synchronous reads at an offset or the current position) and
//! `ZwQueryInformationFile` (`FileStandardInformation`, `FilePositionInformation`).
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::bad_parameter;
use super::zw::{
    check_private_handle, prologue, reference_for_zw, release_for_zw, write_io_status,
};
use crate::consts::{KERNEL_MODE, STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_INFO_CLASS};
use crate::machine::context::{self, Context};
use crate::object_manager::{Extra, FileTarget};
use crate::object_types::ObjectKind;
use crate::requests::{self, OpenRequest};
use crate::unicode::read_object_attributes;
use nt_bindings as nt;

/// `ZwCreateFile`: opens an existing file of the namespace or a device (`FILE_OPEN`).
/// Access is checked only with `OBJ_FORCE_ACCESS_CHECK` (the previous mode is `KernelMode`).
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
    if FileHandle.is_null() || IoStatusBlock.is_null() {
        bad_parameter(
            context,
            "ZwCreateFile",
            "FileHandle or IoStatusBlock is NULL",
        );
        return nt::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the caller passes a writable FileHandle.
    unsafe { FileHandle.write(std::ptr::null_mut()) };
    // SAFETY: the caller passes valid attributes.
    let Some((name, attributes, root)) = (unsafe { read_object_attributes(ObjectAttributes) })
    else {
        bad_parameter(context, "ZwCreateFile", "ObjectAttributes is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    };
    let Some(path) = name.filter(|name| !name.is_empty()) else {
        return nt::STATUS_OBJECT_NAME_INVALID;
    };
    if root != 0 {
        return nt::STATUS_NOT_SUPPORTED;
    }
    if let Err(status) = check_private_handle(context, "ZwCreateFile", attributes) {
        return status;
    }
    let request = OpenRequest {
        path: &path,
        desired: DesiredAccess,
        attributes,
        options: CreateOptions,
        disposition: CreateDisposition,
        share: ShareAccess,
        mode: KERNEL_MODE,
        origin: context.origin(),
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

fn read_file(
    context: &Context,
    file: usize,
    iosb: nt::PIO_STATUS_BLOCK,
    buffer: nt::PVOID,
    length: nt::ULONG,
    byte_offset: nt::PLARGE_INTEGER,
) -> nt::NTSTATUS {
    let state = context.machine.lock();
    let key = match state.ob.get(file).map(|header| &header.extra) {
        Some(Extra::File(extra)) => match &extra.target {
            FileTarget::Disk(key) => key.clone(),
            FileTarget::Device(_) => return nt::STATUS_INVALID_DEVICE_REQUEST,
        },
        _ => return nt::STATUS_OBJECT_TYPE_MISMATCH,
    };
    let Some(entry) = state.files.get(&key) else {
        return nt::STATUS_NO_SUCH_FILE;
    };
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: a live file object; the model alone writes Flags and CurrentByteOffset.
    let synchronous = unsafe { (*file_pointer).Flags } & nt::FO_SYNCHRONOUS_IO != 0;
    // SAFETY: as above.
    let current = unsafe { (*file_pointer).CurrentByteOffset };
    // SAFETY: every bit pattern of a LARGE_INTEGER is a valid LONGLONG.
    let current = unsafe { current.QuadPart };
    let requested = if byte_offset.is_null() {
        None
    } else {
        // SAFETY: the caller passes NULL or a readable LARGE_INTEGER.
        let offset = unsafe { byte_offset.read() };
        // SAFETY: every bit pattern of a LARGE_INTEGER is a valid LONGLONG.
        Some(unsafe { offset.QuadPart })
    };
    // FILE_USE_FILE_POINTER_POSITION (HighPart -1, LowPart 0xFFFFFFFE) means "no offset".
    let requested = requested.filter(|offset| *offset != -2);
    let position = match (requested, synchronous) {
        (Some(offset), _) if offset >= 0 => offset,
        (None, true) => current,
        (Some(_), _) | (None, false) => return nt::STATUS_INVALID_PARAMETER,
    };
    let size = entry.content.len();
    let start = usize::try_from(position).unwrap_or(usize::MAX);
    if start >= size {
        write_io_status(iosb, nt::STATUS_END_OF_FILE, 0);
        return nt::STATUS_END_OF_FILE;
    }
    let count = (size - start).min(usize::try_from(length).unwrap_or(usize::MAX));
    if let Some(bytes) = entry.content.get(start..start + count)
        && count > 0
    {
        // SAFETY: the caller passes Length >= count writable bytes at Buffer (trusted: the
        // previous mode is KernelMode).
        unsafe {
            buffer
                .cast::<u8>()
                .copy_from_nonoverlapping(bytes.as_ptr(), count);
        };
    }
    if synchronous {
        // SAFETY: a live file object (see above).
        unsafe {
            (*file_pointer).CurrentByteOffset = nt::LARGE_INTEGER {
                QuadPart: position + i64::try_from(count).unwrap_or(0),
            }
        };
    }
    write_io_status(iosb, nt::STATUS_SUCCESS, count as u64);
    nt::STATUS_SUCCESS
}

fn query_file(
    context: &Context,
    file: usize,
    iosb: nt::PIO_STATUS_BLOCK,
    information: nt::PVOID,
    length: nt::ULONG,
    class: nt::FILE_INFORMATION_CLASS,
) -> nt::NTSTATUS {
    let length = usize::try_from(length).unwrap_or(0);
    let file_pointer = file as *mut nt::FILE_OBJECT;
    match class {
        nt::_FILE_INFORMATION_CLASS::FileStandardInformation => {
            if length < size_of::<nt::FILE_STANDARD_INFORMATION>() {
                return STATUS_INFO_LENGTH_MISMATCH;
            }
            let state = context.machine.lock();
            let size = match state.ob.get(file).map(|header| &header.extra) {
                Some(Extra::File(extra)) => match &extra.target {
                    FileTarget::Disk(key) => {
                        state.files.get(key).map_or(0, |entry| entry.content.len())
                    }
                    FileTarget::Device(_) => return nt::STATUS_INVALID_DEVICE_REQUEST,
                },
                _ => return nt::STATUS_OBJECT_TYPE_MISMATCH,
            };
            let size = i64::try_from(size).unwrap_or(i64::MAX);
            let value = nt::FILE_STANDARD_INFORMATION {
                AllocationSize: nt::LARGE_INTEGER {
                    QuadPart: (size + 4095) / 4096 * 4096,
                },
                EndOfFile: nt::LARGE_INTEGER { QuadPart: size },
                NumberOfLinks: 1,
                DeletePending: 0,
                Directory: 0,
            };
            // SAFETY: the caller passes Length >= size_of::<FILE_STANDARD_INFORMATION>() writable
            // bytes; the write is unaligned-safe.
            unsafe {
                information
                    .cast::<nt::FILE_STANDARD_INFORMATION>()
                    .write_unaligned(value);
            };
            write_io_status(
                iosb,
                nt::STATUS_SUCCESS,
                size_of::<nt::FILE_STANDARD_INFORMATION>() as u64,
            );
            nt::STATUS_SUCCESS
        }
        nt::_FILE_INFORMATION_CLASS::FilePositionInformation => {
            if length < size_of::<nt::FILE_POSITION_INFORMATION>() {
                return STATUS_INFO_LENGTH_MISMATCH;
            }
            let _state = context.machine.lock();
            // SAFETY: a live file object (we hold a reference); the model alone writes it.
            let current = unsafe { (*file_pointer).CurrentByteOffset };
            let value = nt::FILE_POSITION_INFORMATION {
                CurrentByteOffset: current,
            };
            // SAFETY: the caller passes Length >= 8 writable bytes.
            unsafe {
                information
                    .cast::<nt::FILE_POSITION_INFORMATION>()
                    .write_unaligned(value);
            };
            write_io_status(
                iosb,
                nt::STATUS_SUCCESS,
                size_of::<nt::FILE_POSITION_INFORMATION>() as u64,
            );
            nt::STATUS_SUCCESS
        }
        _ => STATUS_INVALID_INFO_CLASS,
    }
}
