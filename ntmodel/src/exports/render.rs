//! How the call trace renders each kind of argument and result the export list names: handle
//! values and pointers in hex, access masks and object types by name, processor modes,
//! statuses, pool tags, and the strings a `UNICODE_STRING` or `OBJECT_ATTRIBUTES` holds.
//!
//! Every formatter is `unsafe` with the same contract, so the list can name any of them for
//! any argument: a pointer argument is what the export's own contract says it is (the
//! formatters that read through one, `unicode`, `attributes` and `c_string`, read only what the
//! export itself reads).
use crate::consts::{
    STATUS_HANDLE_NOT_CLOSABLE, STATUS_IMAGE_ALREADY_LOADED, STATUS_INFO_LENGTH_MISMATCH,
    STATUS_INVALID_CID, STATUS_INVALID_INFO_CLASS, STATUS_INVALID_PARAMETER_4,
    STATUS_MUTANT_NOT_OWNED, STATUS_NO_SUCH_DEVICE, STATUS_SEMAPHORE_LIMIT_EXCEEDED,
};
use crate::object_types::ObjectKind;
use crate::pool::tag_text;
use crate::rights::{ACCESS_SYSTEM_SECURITY, WRITE_DAC, WRITE_OWNER};
use crate::unicode::{read_object_attributes, read_unicode};
use nt_bindings as nt;
use std::ffi::CStr;
use std::fmt::{Display, LowerHex};

/// Rights of every type, in the order they are rendered (before the type's specific ones).
const COMMON_RIGHTS: [(&str, u32); 11] = [
    ("GENERIC_READ", nt::GENERIC_READ),
    ("GENERIC_WRITE", nt::GENERIC_WRITE),
    ("GENERIC_EXECUTE", nt::GENERIC_EXECUTE),
    ("GENERIC_ALL", nt::GENERIC_ALL),
    ("MAXIMUM_ALLOWED", nt::MAXIMUM_ALLOWED),
    ("ACCESS_SYSTEM_SECURITY", ACCESS_SYSTEM_SECURITY),
    ("DELETE", nt::DELETE),
    ("READ_CONTROL", nt::READ_CONTROL),
    ("WRITE_DAC", WRITE_DAC),
    ("WRITE_OWNER", WRITE_OWNER),
    ("SYNCHRONIZE", nt::SYNCHRONIZE),
];

/// NTSTATUS values by name.
const STATUSES: [(&str, nt::NTSTATUS); 35] = [
    ("STATUS_SUCCESS", nt::STATUS_SUCCESS),
    ("STATUS_TIMEOUT", nt::STATUS_TIMEOUT),
    ("STATUS_PENDING", nt::STATUS_PENDING),
    ("STATUS_BUFFER_OVERFLOW", nt::STATUS_BUFFER_OVERFLOW),
    ("STATUS_DEVICE_BUSY", nt::STATUS_DEVICE_BUSY),
    ("STATUS_UNSUCCESSFUL", nt::STATUS_UNSUCCESSFUL),
    ("STATUS_NOT_IMPLEMENTED", nt::STATUS_NOT_IMPLEMENTED),
    ("STATUS_INVALID_INFO_CLASS", STATUS_INVALID_INFO_CLASS),
    ("STATUS_INFO_LENGTH_MISMATCH", STATUS_INFO_LENGTH_MISMATCH),
    ("STATUS_INVALID_HANDLE", nt::STATUS_INVALID_HANDLE),
    ("STATUS_INVALID_CID", STATUS_INVALID_CID),
    ("STATUS_INVALID_PARAMETER", nt::STATUS_INVALID_PARAMETER),
    ("STATUS_NO_SUCH_DEVICE", STATUS_NO_SUCH_DEVICE),
    ("STATUS_NO_SUCH_FILE", nt::STATUS_NO_SUCH_FILE),
    (
        "STATUS_INVALID_DEVICE_REQUEST",
        nt::STATUS_INVALID_DEVICE_REQUEST,
    ),
    ("STATUS_END_OF_FILE", nt::STATUS_END_OF_FILE),
    ("STATUS_ACCESS_DENIED", nt::STATUS_ACCESS_DENIED),
    ("STATUS_BUFFER_TOO_SMALL", nt::STATUS_BUFFER_TOO_SMALL),
    (
        "STATUS_OBJECT_TYPE_MISMATCH",
        nt::STATUS_OBJECT_TYPE_MISMATCH,
    ),
    ("STATUS_OBJECT_NAME_INVALID", nt::STATUS_OBJECT_NAME_INVALID),
    (
        "STATUS_OBJECT_NAME_NOT_FOUND",
        nt::STATUS_OBJECT_NAME_NOT_FOUND,
    ),
    (
        "STATUS_OBJECT_NAME_COLLISION",
        nt::STATUS_OBJECT_NAME_COLLISION,
    ),
    (
        "STATUS_OBJECT_PATH_NOT_FOUND",
        nt::STATUS_OBJECT_PATH_NOT_FOUND,
    ),
    ("STATUS_QUOTA_EXCEEDED", nt::STATUS_QUOTA_EXCEEDED),
    ("STATUS_MUTANT_NOT_OWNED", STATUS_MUTANT_NOT_OWNED),
    (
        "STATUS_SEMAPHORE_LIMIT_EXCEEDED",
        STATUS_SEMAPHORE_LIMIT_EXCEEDED,
    ),
    ("STATUS_DELETE_PENDING", nt::STATUS_DELETE_PENDING),
    (
        "STATUS_INSUFFICIENT_RESOURCES",
        nt::STATUS_INSUFFICIENT_RESOURCES,
    ),
    ("STATUS_NOT_SUPPORTED", nt::STATUS_NOT_SUPPORTED),
    ("STATUS_INTERNAL_ERROR", nt::STATUS_INTERNAL_ERROR),
    ("STATUS_INVALID_PARAMETER_4", STATUS_INVALID_PARAMETER_4),
    ("STATUS_IMAGE_ALREADY_LOADED", STATUS_IMAGE_ALREADY_LOADED),
    ("STATUS_CANCELLED", nt::STATUS_CANCELLED),
    ("STATUS_NOT_FOUND", nt::STATUS_NOT_FOUND),
    ("STATUS_HANDLE_NOT_CLOSABLE", STATUS_HANDLE_NOT_CLOSABLE),
];

/// Names the bits of `mask` found in `rights`, then the rest in hex; `0` for none.
fn names(mask: u32, rights: &[(&str, u32)]) -> String {
    let mut parts = Vec::new();
    let mut rest = mask;
    for (name, bits) in rights {
        if *bits != 0 && rest & bits == *bits {
            parts.push((*name).to_owned());
            rest &= !bits;
        }
    }
    if rest != 0 || parts.is_empty() {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// An access mask with the standard and generic rights by name, the specific ones in hex.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn access(mask: u32) -> String {
    names(mask, &COMMON_RIGHTS)
}

/// An access mask with the common rights and `object_type`'s specific ones by name
/// (`SYNCHRONIZE|EVENT_MODIFY_STATE` for the event type).
///
/// # Safety
/// None (the module's contract).
pub unsafe fn access_of(mask: u32, object_type: nt::POBJECT_TYPE) -> String {
    let mut rights: Vec<(&str, u32)> = COMMON_RIGHTS.to_vec();
    if let Some(kind) = ObjectKind::from_type_pointer(object_type) {
        rights.extend_from_slice(kind.info().rights);
    }
    names(mask, &rights)
}

/// A `POBJECT_TYPE` by the name of its export (`ExEventObjectType`), `NULL`, or in hex.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn object_type(object_type: nt::POBJECT_TYPE) -> String {
    if object_type.is_null() {
        return "NULL".to_owned();
    }
    match ObjectKind::from_type_pointer(object_type) {
        Some(kind) => kind
            .info()
            .export
            .map_or_else(|| format!("{} type", kind.info().name), str::to_owned),
        None => format!("{:#x}", object_type as usize),
    }
}

/// A `KPROCESSOR_MODE`: `KernelMode`, `UserMode`, or the value.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn mode(mode: nt::KPROCESSOR_MODE) -> String {
    match mode {
        0 => "KernelMode".to_owned(),
        1 => "UserMode".to_owned(),
        other => other.to_string(),
    }
}

/// An NTSTATUS by name, or its bits in hex.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn status(status: nt::NTSTATUS) -> String {
    STATUSES
        .iter()
        .find(|(_, value)| *value == status)
        .map_or_else(
            || format!("{:#010X}", status.cast_unsigned()),
            |(name, _)| (*name).to_owned(),
        )
}

/// A handle value in hex.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn handle(handle: nt::HANDLE) -> String {
    format!("{:#x}", handle as usize)
}

/// A pointer in hex, `NULL` for null.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn pointer<T>(pointer: *const T) -> String {
    if pointer.is_null() {
        "NULL".to_owned()
    } else {
        format!("{:#x}", pointer as usize)
    }
}

/// An output argument: left out of the trace (its address says nothing).
///
/// # Safety
/// None (the module's contract).
pub unsafe fn out<T>(_pointer: *mut T) -> String {
    String::new()
}

/// A routine pointer (`Option<fn>`): its address, or `NULL`.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn routine<F: std::fmt::Pointer>(routine: Option<F>) -> String {
    routine.map_or_else(|| "NULL".to_owned(), |routine| format!("{routine:p}"))
}

/// A number in hex.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn hex<N: LowerHex>(value: N) -> String {
    format!("{value:#x}")
}

/// A number in decimal.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn number<N: Display>(value: N) -> String {
    value.to_string()
}

/// A `BOOLEAN`: `TRUE` or `FALSE`.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn boolean(value: nt::BOOLEAN) -> String {
    if value == 0 { "FALSE" } else { "TRUE" }.to_owned()
}

/// A pool tag as its four characters (`'Hgrd'`).
///
/// # Safety
/// None (the module's contract).
pub unsafe fn tag(tag: u32) -> String {
    format!("'{}'", tag_text(tag))
}

/// A `LARGE_INTEGER` passed by value.
///
/// # Safety
/// None (the module's contract).
pub unsafe fn large_integer(value: nt::LARGE_INTEGER) -> String {
    // SAFETY: every bit pattern of a LARGE_INTEGER is a valid LONGLONG.
    unsafe { value.QuadPart }.to_string()
}

/// A `PUNICODE_STRING`: the text quoted, or `NULL`.
///
/// # Safety
/// `string` is NULL or a readable `UNICODE_STRING` whose buffer holds `Length` bytes.
pub unsafe fn unicode(string: nt::PUNICODE_STRING) -> String {
    // SAFETY: the caller's contract.
    unsafe { read_unicode(string) }.map_or_else(|| "NULL".to_owned(), |text| format!("{text:?}"))
}

/// A `POBJECT_ATTRIBUTES`: its name (quoted) and attributes, or `NULL`.
///
/// # Safety
/// `attributes` is NULL or readable `OBJECT_ATTRIBUTES` whose name satisfies [`unicode`]'s
/// contract.
pub unsafe fn attributes(attributes: nt::POBJECT_ATTRIBUTES) -> String {
    // SAFETY: the caller's contract.
    match unsafe { read_object_attributes(attributes) } {
        None => "NULL".to_owned(),
        Some((name, flags, root)) => {
            let name = name.map_or_else(|| "NULL".to_owned(), |name| format!("{name:?}"));
            if root == 0 {
                format!("{{{name}, {flags:#x}}}")
            } else {
                format!("{{{name}, {flags:#x}, root {root:#x}}}")
            }
        }
    }
}

/// A NUL-terminated string, quoted, or `NULL`.
///
/// # Safety
/// `string` is NULL or a readable NUL-terminated string.
pub unsafe fn c_string(string: *const nt::CHAR) -> String {
    if string.is_null() {
        return "NULL".to_owned();
    }
    // SAFETY: the caller's contract.
    let text = unsafe { CStr::from_ptr(string) };
    format!("{:?}", text.to_string_lossy())
}
