//! What `ZwReadFile` and `ZwQueryInformationFile` do to each kind of file object: a file of
//! the namespace (reads at an offset or the current position), the volume as a whole (its
//! zero sectors), a named pipe end (reads consume what the other end wrote; a synchronous read
//! of an empty pipe waits for a writer), a driver's device (not modelled:
//! `STATUS_INVALID_DEVICE_REQUEST`).
//!
//! Before either, the I/O manager takes the file-object lock of a synchronous file object
//! (ReactOS `IopLockFileObject`; the ZwReadFile page: synchronous I/O on one file object is
//! serialised). The lock is held for every request on that object, device-control requests
//! included, so a driver that queries or reads the very file object its request came on waits
//! for a lock its own thread holds: a deadlock on Windows, a stop here.
use super::zw::write_io_status;
use crate::consts::{
    STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_INFO_CLASS, STATUS_PIPE_EMPTY,
    STATUS_POSSIBLE_DEADLOCK,
};
use crate::file_system::VOLUME_SIZE;
use crate::machine::Subsystems;
use crate::machine::context::Context;
use crate::object_manager::FileTarget;
use crate::requests;
use crate::verifier::codes;
use nt_bindings as nt;

/// Whether the file object was opened for synchronous I/O.
fn is_synchronous(file: usize) -> bool {
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: a live file object (the caller holds a reference); the model alone writes Flags.
    let flags = unsafe { (*file_pointer).Flags };
    flags & nt::FO_SYNCHRONOUS_IO != 0
}

/// The file-object lock: a synchronous file object whose lock the current thread holds
/// cannot be locked again by it. Records the stop and fails the call.
fn lock_file_object(
    state: &mut Subsystems,
    context: &Context,
    routine: &str,
    file: usize,
) -> Result<(), nt::NTSTATUS> {
    let holder = state
        .ob
        .get(file)
        .and_then(|header| header.file())
        .and_then(|file| file.lock_holder);
    if !is_synchronous(file) || holder != Some(context.thread) {
        return Ok(());
    }
    state.verifier.stop(
        codes::NTMODEL_CHECK,
        [codes::MODEL_FILE_LOCK_DEADLOCK, file as u64, context.thread as u64, 0],
        format!("{routine} on a synchronous file object whose file-object lock this thread holds (the I/O manager holds it while the request sent on that object is dispatched): a non-alertable KernelMode wait on itself, a deadlock on Windows"),
    );
    Err(STATUS_POSSIBLE_DEADLOCK)
}

/// The target of a file object, or `STATUS_OBJECT_TYPE_MISMATCH`.
fn target_of(state: &Subsystems, file: usize) -> Result<FileTarget, nt::NTSTATUS> {
    state
        .ob
        .get(file)
        .and_then(|header| header.file())
        .map(|extra| extra.target.clone())
        .ok_or(nt::STATUS_OBJECT_TYPE_MISMATCH)
}

/// Copies `bytes` to the caller's buffer.
fn copy_out(buffer: nt::PVOID, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    // SAFETY: the caller passes Length >= bytes.len() writable bytes at Buffer (trusted: the
    // previous mode is KernelMode).
    unsafe {
        buffer
            .cast::<u8>()
            .copy_from_nonoverlapping(bytes.as_ptr(), bytes.len());
    };
}

/// `ZwReadFile` on the referenced file object `file`.
pub fn read_file(
    context: &Context,
    file: usize,
    iosb: nt::PIO_STATUS_BLOCK,
    buffer: nt::PVOID,
    length: nt::ULONG,
    byte_offset: nt::PLARGE_INTEGER,
) -> nt::NTSTATUS {
    let mut state = context.machine.lock();
    let target = match target_of(&state, file) {
        Ok(target) => target,
        Err(status) => return status,
    };
    if let Err(status) = lock_file_object(&mut state, context, "ZwReadFile", file) {
        return status;
    }
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    let bytes = match target {
        FileTarget::Disk(key) => match state.files.get(&key) {
            Some(entry) => entry.content.clone(),
            None => return nt::STATUS_NO_SUCH_FILE,
        },
        FileTarget::Volume => vec![0; VOLUME_SIZE],
        FileTarget::Pipe { .. } => {
            return read_pipe(&mut state, context, file, iosb, buffer, length);
        }
        FileTarget::Device(_) => return nt::STATUS_INVALID_DEVICE_REQUEST,
    };
    let file_pointer = file as *mut nt::FILE_OBJECT;
    let synchronous = is_synchronous(file);
    // SAFETY: a live file object; the model alone writes CurrentByteOffset.
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
    let start = usize::try_from(position).unwrap_or(usize::MAX);
    if start >= bytes.len() {
        write_io_status(iosb, nt::STATUS_END_OF_FILE, 0);
        return nt::STATUS_END_OF_FILE;
    }
    let count = (bytes.len() - start).min(length);
    copy_out(buffer, bytes.get(start..start + count).unwrap_or_default());
    if synchronous {
        // A synchronous read moves the file object's position past what it read, whether
        // or not it gave an explicit ByteOffset (the ZwReadFile page).
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

/// A read of a named pipe end: it consumes what the other end wrote. With nothing written, a
/// synchronous read waits (KernelMode, not alertable) for a writer; no writer can come while
/// the model runs this call, so the wait would never end: a stop.
fn read_pipe(
    state: &mut Subsystems,
    context: &Context,
    file: usize,
    iosb: nt::PIO_STATUS_BLOCK,
    buffer: nt::PVOID,
    length: usize,
) -> nt::NTSTATUS {
    let data = requests::pipe_read(state, file, length).unwrap_or_default();
    if data.is_empty() && length > 0 {
        if is_synchronous(file) {
            state.verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_WAIT_NEVER_ENDS, file as u64, context.thread as u64, 0],
                "ZwReadFile of an empty named pipe: a synchronous read waits for a writer, in a non-alertable KernelMode wait that nothing in the model can end",
            );
        }
        return STATUS_PIPE_EMPTY;
    }
    copy_out(buffer, &data);
    write_io_status(iosb, nt::STATUS_SUCCESS, data.len() as u64);
    nt::STATUS_SUCCESS
}

/// `ZwQueryInformationFile` on the referenced file object `file`.
pub fn query_file(
    context: &Context,
    file: usize,
    iosb: nt::PIO_STATUS_BLOCK,
    information: nt::PVOID,
    length: nt::ULONG,
    class: nt::FILE_INFORMATION_CLASS,
) -> nt::NTSTATUS {
    let length = usize::try_from(length).unwrap_or(0);
    let file_pointer = file as *mut nt::FILE_OBJECT;
    let mut state = context.machine.lock();
    let target = match target_of(&state, file) {
        Ok(target) => target,
        Err(status) => return status,
    };
    if let Err(status) = lock_file_object(&mut state, context, "ZwQueryInformationFile", file) {
        return status;
    }
    match class {
        nt::_FILE_INFORMATION_CLASS::FileStandardInformation => {
            if length < size_of::<nt::FILE_STANDARD_INFORMATION>() {
                return STATUS_INFO_LENGTH_MISMATCH;
            }
            let size = match target {
                FileTarget::Disk(key) => {
                    state.files.get(&key).map_or(0, |entry| entry.content.len())
                }
                FileTarget::Volume => VOLUME_SIZE,
                // A pipe's EndOfFile is the bytes available to read (Microsoft's
                // FILE_STANDARD_INFORMATION page).
                FileTarget::Pipe { .. } => requests::pipe_available(&state, file).unwrap_or(0),
                FileTarget::Device(_) => return nt::STATUS_INVALID_DEVICE_REQUEST,
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
            if let FileTarget::Device(_) = target {
                // IRP_MJ_QUERY_INFORMATION to a driver is not modelled.
                return nt::STATUS_INVALID_DEVICE_REQUEST;
            }
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
