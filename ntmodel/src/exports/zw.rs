//! `Zw` exports: the system services as a driver calls them, with previous mode `KernelMode`
//! (parameters trusted, access checks skipped unless `OBJ_FORCE_ACCESS_CHECK`).
use super::ob::check_user_handle_in_zw;
use super::{bad_parameter, require_passive, with_context};
use crate::block::Block;
use crate::consts::{
    EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT, KERNEL_MODE,
    STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_INFO_CLASS,
};
use crate::dispatcher::objects::init_event_at;
use crate::machine::context::{self, Context};
use crate::object_manager::{Extra, FileTarget};
use crate::object_types::ObjectKind;
use crate::requests::{self, OpenRequest};
use crate::security::grant_unchecked;
use crate::unicode::{read_object_attributes, read_unicode};
use crate::verifier::codes;
use nt_bindings as nt;
use std::mem::offset_of;

/// Checks IRQL and returns `Err` with the status to fail with.
fn prologue(context: &Context, routine: &str) -> Result<(), nt::NTSTATUS> {
    if require_passive(context, routine, codes::C4_IRQL_ZW_PASSIVE) {
        Ok(())
    } else {
        Err(nt::STATUS_UNSUCCESSFUL)
    }
}

/// A handle the driver creates without `OBJ_KERNEL_HANDLE` while a user process is current
/// lands in that process's table: a stop, and the call fails.
fn check_private_handle(
    context: &Context,
    routine: &str,
    attributes: u32,
) -> Result<(), nt::NTSTATUS> {
    let mut state = context.machine.lock();
    if attributes & nt::OBJ_KERNEL_HANDLE != 0 || state.ps.is_system(context.process) {
        return Ok(());
    }
    state.verifier.stop(
        codes::NTMODEL_CHECK,
        [codes::MODEL_PRIVATE_HANDLE_IN_USER_PROCESS, 0, context.process as u64, u64::from(attributes)],
        format!("{routine} without OBJ_KERNEL_HANDLE while a user process is current: the driver's private handle would be visible to (and closable by) the user process"),
    );
    Err(nt::STATUS_ACCESS_DENIED)
}

fn write_io_status(iosb: nt::PIO_STATUS_BLOCK, status: nt::NTSTATUS, information: u64) {
    if iosb.is_null() {
        return;
    }
    let base = iosb as usize;
    let status_pointer = base as *mut nt::NTSTATUS;
    // SAFETY: callers pass the driver's writable IO_STATUS_BLOCK; Status is its first field.
    unsafe { status_pointer.write(status) };
    let information_pointer = (base + offset_of!(nt::IO_STATUS_BLOCK, Information)) as *mut u64;
    // SAFETY: as above; Information is a ULONG_PTR field of it.
    unsafe { information_pointer.write(information) };
}

/// `ZwCreateEvent`: an unnamed event object and a handle to it.
///
/// # Safety
/// `EventHandle` is writable; `ObjectAttributes` NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ZwCreateEvent(
    EventHandle: nt::PHANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
    EventType: nt::EVENT_TYPE,
    InitialState: nt::BOOLEAN,
) -> nt::NTSTATUS {
    with_context("ZwCreateEvent", |context| {
        if let Err(status) = prologue(context, "ZwCreateEvent") {
            return status;
        }
        if EventHandle.is_null() {
            bad_parameter(context, "ZwCreateEvent", "EventHandle is NULL");
            return nt::STATUS_INVALID_PARAMETER;
        }
        // SAFETY: the caller passes NULL or valid attributes.
        let (name, attributes, _) =
            unsafe { read_object_attributes(ObjectAttributes) }.unwrap_or((None, 0, 0));
        if name.is_some_and(|name| !name.is_empty()) {
            return nt::STATUS_NOT_SUPPORTED;
        }
        if let Err(status) = check_private_handle(context, "ZwCreateEvent", attributes) {
            return status;
        }
        let block = Block::zeroed(size_of::<nt::KEVENT>());
        let kind = if EventType == nt::_EVENT_TYPE::NotificationEvent {
            EVENT_NOTIFICATION_OBJECT
        } else {
            EVENT_SYNCHRONIZATION_OBJECT
        };
        init_event_at(block.addr(), kind, InitialState != 0);
        let mut state = context.machine.lock();
        let object = state
            .ob
            .insert(ObjectKind::Event, block, Extra::None, None, false);
        let granted = grant_unchecked(
            ObjectKind::Event,
            ObjectKind::Event.map_generic(DesiredAccess),
        );
        let kernel_handle = attributes & nt::OBJ_KERNEL_HANDLE != 0;
        let handle = state.ob.create_handle(
            context.process,
            object,
            granted,
            attributes,
            kernel_handle,
            true,
        );
        // SAFETY: the caller passes a writable EventHandle.
        unsafe { EventHandle.write(handle as nt::HANDLE) };
        nt::STATUS_SUCCESS
    })
}

/// `ZwCreateFile`: opens an existing file of the namespace or a device (`FILE_OPEN`).
/// Access is checked only with `OBJ_FORCE_ACCESS_CHECK` (the previous mode is `KernelMode`).
///
/// # Safety
/// Pointers as `ZwCreateFile` documents them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ZwCreateFile(
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
    with_context("ZwCreateFile", |context| {
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
            by_driver: true,
        };
        match context::with_previous_mode(KERNEL_MODE, || {
            requests::open(&context.machine, &request)
        }) {
            Ok((handle, information)) => {
                // SAFETY: the caller passes a writable FileHandle.
                unsafe { FileHandle.write(handle as nt::HANDLE) };
                write_io_status(IoStatusBlock, nt::STATUS_SUCCESS, information);
                nt::STATUS_SUCCESS
            }
            Err(status) => status,
        }
    })
}

/// References a handle as a `Zw` routine does (`KernelMode`, no access check) and returns the
/// object with its extra state's file target / key path.
fn reference_for_zw(
    context: &Context,
    routine: &str,
    handle: nt::HANDLE,
    kind: ObjectKind,
) -> Result<usize, nt::NTSTATUS> {
    check_user_handle_in_zw(context, routine, handle as u64);
    let mut state = context.machine.lock();
    state
        .ob
        .reference_by_handle(
            context.process,
            context.thread,
            handle as u64,
            0,
            Some(kind),
            KERNEL_MODE,
            false,
        )
        .map(|r| r.object)
}

fn release_for_zw(context: &Context, object: usize) {
    let deferred = context
        .machine
        .lock()
        .drop_reference(object, false)
        .ok()
        .and_then(|(_, deferred)| deferred);
    if let Some(deferred) = deferred {
        requests::run_deferred_now(&context.machine, deferred);
    }
}

/// `ZwReadFile`: synchronous read of a namespace file, at `ByteOffset` or (for a file opened
/// for synchronous I/O) at the current position.
///
/// # Safety
/// Pointers as `ZwReadFile` documents them; `Buffer` holds `Length` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ZwReadFile(
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
    with_context("ZwReadFile", |context| {
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
    })
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

/// `ZwQueryInformationFile` for `FileStandardInformation` and `FilePositionInformation`.
///
/// # Safety
/// `FileInformation` holds `Length` writable bytes; `IoStatusBlock` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ZwQueryInformationFile(
    FileHandle: nt::HANDLE,
    IoStatusBlock: nt::PIO_STATUS_BLOCK,
    FileInformation: nt::PVOID,
    Length: nt::ULONG,
    FileInformationClass: nt::FILE_INFORMATION_CLASS,
) -> nt::NTSTATUS {
    with_context("ZwQueryInformationFile", |context| {
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
    })
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

/// `ZwOpenKey`: a handle to an existing registry key, by full name.
///
/// # Safety
/// `KeyHandle` is writable; `ObjectAttributes` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ZwOpenKey(
    KeyHandle: nt::PHANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
) -> nt::NTSTATUS {
    with_context("ZwOpenKey", |context| {
        if let Err(status) = prologue(context, "ZwOpenKey") {
            return status;
        }
        if KeyHandle.is_null() {
            bad_parameter(context, "ZwOpenKey", "KeyHandle is NULL");
            return nt::STATUS_INVALID_PARAMETER;
        }
        // SAFETY: the caller passes a writable KeyHandle.
        unsafe { KeyHandle.write(std::ptr::null_mut()) };
        // SAFETY: the caller passes valid attributes.
        let Some((name, attributes, root)) = (unsafe { read_object_attributes(ObjectAttributes) })
        else {
            bad_parameter(context, "ZwOpenKey", "ObjectAttributes is NULL");
            return nt::STATUS_INVALID_PARAMETER;
        };
        let Some(path) = name.filter(|name| !name.is_empty()) else {
            return nt::STATUS_OBJECT_NAME_INVALID;
        };
        if root != 0 {
            return nt::STATUS_NOT_SUPPORTED;
        }
        if let Err(status) = check_private_handle(context, "ZwOpenKey", attributes) {
            return status;
        }
        let mut state = context.machine.lock();
        if !state.registry.key_exists(&path) {
            return nt::STATUS_OBJECT_NAME_NOT_FOUND;
        }
        let object = state.ob.insert(
            ObjectKind::Key,
            Block::zeroed(64),
            Extra::Key(path),
            None,
            false,
        );
        let granted = grant_unchecked(ObjectKind::Key, ObjectKind::Key.map_generic(DesiredAccess));
        let handle = state.ob.create_handle(
            context.process,
            object,
            granted,
            attributes,
            attributes & nt::OBJ_KERNEL_HANDLE != 0,
            true,
        );
        // SAFETY: the caller passes a writable KeyHandle.
        unsafe { KeyHandle.write(handle as nt::HANDLE) };
        nt::STATUS_SUCCESS
    })
}

/// `ZwQueryValueKey` with `KeyValuePartialInformation`.
///
/// # Safety
/// `KeyValueInformation` holds `Length` writable bytes; `ResultLength` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ZwQueryValueKey(
    KeyHandle: nt::HANDLE,
    ValueName: nt::PUNICODE_STRING,
    KeyValueInformationClass: nt::KEY_VALUE_INFORMATION_CLASS,
    KeyValueInformation: nt::PVOID,
    Length: nt::ULONG,
    ResultLength: nt::PULONG,
) -> nt::NTSTATUS {
    with_context("ZwQueryValueKey", |context| {
        if let Err(status) = prologue(context, "ZwQueryValueKey") {
            return status;
        }
        if ResultLength.is_null() {
            bad_parameter(context, "ZwQueryValueKey", "ResultLength is NULL");
            return nt::STATUS_INVALID_PARAMETER;
        }
        let key = match reference_for_zw(context, "ZwQueryValueKey", KeyHandle, ObjectKind::Key) {
            Ok(key) => key,
            Err(status) => return status,
        };
        // SAFETY: the caller passes NULL or a valid string.
        let name = unsafe { read_unicode(ValueName) }.unwrap_or_default();
        let value = {
            let state = context.machine.lock();
            match state.ob.get(key).map(|header| &header.extra) {
                Some(Extra::Key(path)) => state.registry.value(path, &name).cloned(),
                _ => None,
            }
        };
        release_for_zw(context, key);
        if KeyValueInformationClass != nt::_KEY_VALUE_INFORMATION_CLASS::KeyValuePartialInformation
        {
            return nt::STATUS_INVALID_PARAMETER;
        }
        let Some(value) = value else {
            return nt::STATUS_OBJECT_NAME_NOT_FOUND;
        };
        let header_size = offset_of!(nt::KEY_VALUE_PARTIAL_INFORMATION, Data);
        let needed = header_size + value.data.len();
        // SAFETY: the caller passes a writable ResultLength.
        unsafe { ResultLength.write(u32::try_from(needed).unwrap_or(u32::MAX)) };
        let length = usize::try_from(Length).unwrap_or(0);
        if length < header_size {
            return nt::STATUS_BUFFER_TOO_SMALL;
        }
        let data_length = u32::try_from(value.data.len()).unwrap_or(u32::MAX);
        let mut bytes = Vec::with_capacity(needed);
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&value.kind.to_le_bytes());
        bytes.extend_from_slice(&data_length.to_le_bytes());
        let status = if length < needed {
            nt::STATUS_BUFFER_OVERFLOW
        } else {
            bytes.extend_from_slice(&value.data);
            nt::STATUS_SUCCESS
        };
        if KeyValueInformation.is_null() {
            bad_parameter(context, "ZwQueryValueKey", "KeyValueInformation is NULL");
            return nt::STATUS_INVALID_PARAMETER;
        }
        // SAFETY: the caller passes Length >= bytes.len() writable bytes.
        unsafe {
            KeyValueInformation
                .cast::<u8>()
                .copy_from_nonoverlapping(bytes.as_ptr(), bytes.len());
        };
        status
    })
}
