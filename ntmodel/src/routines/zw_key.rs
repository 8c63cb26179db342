//! The `Zw` registry routines: `ZwOpenKey` (an existing key, by full name) and
//! `ZwQueryValueKey` (`KeyValuePartialInformation`).
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::bad_parameter;
use super::zw::{check_private_handle, prologue, reference_for_zw, release_for_zw};
use crate::block::Block;
use crate::machine::context::Context;
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::security::grant_unchecked;
use crate::unicode::{read_object_attributes, read_unicode};
use nt_bindings as nt;
use std::mem::offset_of;

/// `ZwOpenKey`: a handle to an existing registry key, by full name.
pub unsafe fn ZwOpenKey(
    context: &Context,
    KeyHandle: nt::PHANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
) -> nt::NTSTATUS {
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
        context.origin(),
    );
    // SAFETY: the caller passes a writable KeyHandle.
    unsafe { KeyHandle.write(handle as nt::HANDLE) };
    nt::STATUS_SUCCESS
}

/// `ZwQueryValueKey` with `KeyValuePartialInformation`.
pub unsafe fn ZwQueryValueKey(
    context: &Context,
    KeyHandle: nt::HANDLE,
    ValueName: nt::PUNICODE_STRING,
    KeyValueInformationClass: nt::KEY_VALUE_INFORMATION_CLASS,
    KeyValueInformation: nt::PVOID,
    Length: nt::ULONG,
    ResultLength: nt::PULONG,
) -> nt::NTSTATUS {
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
    if KeyValueInformationClass != nt::_KEY_VALUE_INFORMATION_CLASS::KeyValuePartialInformation {
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
}
