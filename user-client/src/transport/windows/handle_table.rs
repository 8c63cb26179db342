//! The calling process's handle table on Windows: `NtQueryInformationProcess` with
//! `ProcessHandleInformation` (Windows 8 and later) for the values and granted access, and
//! `NtQueryObject(ObjectTypeInformation)` for each handle's type name. The replies are read
//! as bytes at the offsets the x64 layouts give, so no unsafe code touches them:
//!
//! - `PROCESS_HANDLE_SNAPSHOT_INFORMATION`: `NumberOfHandles` (8 bytes), `Reserved` (8), then
//!   40-byte `PROCESS_HANDLE_TABLE_ENTRY_INFO`s: `HandleValue` at 0, `GrantedAccess` at 24.
//! - `PUBLIC_OBJECT_TYPE_INFORMATION`: a `UNICODE_STRING` (`Length` at 0, `Buffer` at 8)
//!   whose buffer lies inside the reply.
//!
//! Written against the documented layouts and compiled by the cross build; not run here.
use super::win32::{current_process, to_handle};
use crate::status::{self, Status};
use crate::transport::HandleRow;
use windows_sys::Wdk::Foundation::{NtQueryObject, ObjectTypeInformation};
use windows_sys::Wdk::System::Threading::{NtQueryInformationProcess, ProcessHandleInformation};

const STATUS_INFO_LENGTH_MISMATCH: Status = 0xC000_0004_u32.cast_signed();
const ENTRY_SIZE: usize = 40;
const HEADER_SIZE: usize = 16;

fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    let field = bytes.get(offset..offset.checked_add(8)?)?;
    Some(u64::from_le_bytes(field.try_into().ok()?))
}

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let field = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes(field.try_into().ok()?))
}

/// Calls `query(buffer, length, &mut needed)` with a growing buffer until it fits.
fn grow(mut query: impl FnMut(&mut [u8], &mut u32) -> Status) -> Result<Vec<u8>, Status> {
    let mut buffer = vec![0u8; 4096];
    for _ in 0..8 {
        let mut needed = 0u32;
        let result = query(&mut buffer, &mut needed);
        if result == STATUS_INFO_LENGTH_MISMATCH || result == status::STATUS_BUFFER_TOO_SMALL {
            let wanted = usize::try_from(needed).unwrap_or(0).max(buffer.len() * 2);
            buffer = vec![0u8; wanted + 1024];
            continue;
        }
        return if status::is_success(result) {
            Ok(buffer)
        } else {
            Err(result)
        };
    }
    Err(STATUS_INFO_LENGTH_MISMATCH)
}

fn length(buffer: &[u8]) -> u32 {
    u32::try_from(buffer.len()).unwrap_or(u32::MAX)
}

/// The type name of the object `handle` names, e.g. "Event".
fn type_name(handle: u64) -> Option<String> {
    let reply = grow(|buffer, needed| {
        // SAFETY: a buffer of `length(buffer)` writable bytes and a u32 for the needed size;
        // an invalid handle makes the call fail.
        unsafe {
            NtQueryObject(
                to_handle(handle),
                ObjectTypeInformation,
                buffer.as_mut_ptr().cast(),
                length(buffer),
                needed,
            )
        }
    })
    .ok()?;
    let bytes = usize::from(u16::try_from(u32_at(&reply, 0)? & 0xFFFF).ok()?);
    let address = usize::try_from(u64_at(&reply, 8)?).ok()?;
    let start = address.checked_sub(reply.as_ptr() as usize)?;
    let text = reply.get(start..start.checked_add(bytes)?)?;
    let units: Vec<u16> = text
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// This process's handles, with granted access and type names.
pub fn of_this_process() -> Result<Vec<HandleRow>, String> {
    let process = current_process();
    let reply = grow(|buffer, needed| {
        // SAFETY: as in type_name; the pseudo-handle of this process.
        unsafe {
            NtQueryInformationProcess(
                process,
                ProcessHandleInformation,
                buffer.as_mut_ptr().cast(),
                length(buffer),
                needed,
            )
        }
    })
    .map_err(|failed| {
        format!(
            "NtQueryInformationProcess(ProcessHandleInformation): {}",
            status::explain(failed)
        )
    })?;
    let count = usize::try_from(u64_at(&reply, 0).unwrap_or(0)).unwrap_or(0);
    let mut rows = Vec::new();
    for index in 0..count {
        let entry = HEADER_SIZE + index * ENTRY_SIZE;
        let (Some(value), Some(granted)) = (u64_at(&reply, entry), u32_at(&reply, entry + 24))
        else {
            break;
        };
        rows.push(HandleRow {
            value,
            type_name: type_name(value).unwrap_or_else(|| "?".to_string()),
            granted,
            name: None,
        });
    }
    Ok(rows)
}
