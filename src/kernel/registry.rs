//! Reading the driver's `Parameters` key with a private kernel handle.
use super::ffi;
use super::handle::{Access, KernelHandle, Key, ObjectAttributes};
use super::status::{NtResult, NtStatus};
use super::unicode::UnicodeStr;

/// Longest key path the driver builds (service key + `\Parameters`), in UTF-16 units.
const MAX_KEY_UNITS: usize = 256;

/// Opens `<service key>\<subkey>` with `KEY_QUERY_VALUE` (`OBJ_KERNEL_HANDLE`).
///
/// IRQL: PASSIVE_LEVEL.
///
/// # Errors
/// The kernel's status (`STATUS_OBJECT_NAME_NOT_FOUND` if the key does not exist).
pub fn open_subkey(service_key: &ffi::UNICODE_STRING, subkey: &[u16]) -> NtResult<KernelHandle> {
    let units = usize::from(service_key.Length / 2);
    if service_key.Buffer.is_null() || units + 1 + subkey.len() > MAX_KEY_UNITS {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    // SAFETY: a UNICODE_STRING from the I/O manager: Buffer holds Length bytes.
    let service = unsafe { core::slice::from_raw_parts(service_key.Buffer, units) };
    let mut path = [0u16; MAX_KEY_UNITS];
    let separator = [u16::from(b'\\')];
    let parts = service.iter().chain(&separator).chain(subkey);
    let mut len = 0;
    for (slot, unit) in path.iter_mut().zip(parts) {
        *slot = *unit;
        len += 1;
    }
    let path = path.get(..len).ok_or(NtStatus::INVALID_PARAMETER)?;
    let mut name = UnicodeStr::new(path).ok_or(NtStatus::INVALID_PARAMETER)?;
    let mut attributes = ObjectAttributes::private(Some(&mut name));
    KernelHandle::open_key(&mut attributes, Access::<Key>::QUERY_VALUE)
}

impl KernelHandle {
    /// `ZwQueryValueKey(KeyValuePartialInformation)` of a `REG_DWORD` value.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status, or `STATUS_OBJECT_TYPE_MISMATCH` if the value is not a DWORD.
    pub fn query_dword(&self, value_name: &[u16]) -> NtResult<u32> {
        // KEY_VALUE_PARTIAL_INFORMATION has a 1-byte Data array: room for 4 more bytes.
        #[repr(C)]
        struct DwordValue {
            info: ffi::KEY_VALUE_PARTIAL_INFORMATION,
            rest: [u8; 4],
        }
        let mut name = UnicodeStr::new(value_name).ok_or(NtStatus::INVALID_PARAMETER)?;
        // SAFETY: all-zero is valid plain data.
        let mut value: DwordValue = unsafe { core::mem::zeroed() };
        let mut result_len: ffi::ULONG = 0;
        // SAFETY: our kernel handle; a buffer of the stated size; valid out pointer.
        let status = unsafe {
            ffi::ZwQueryValueKey(
                self.raw(),
                name.as_ptr(),
                ffi::_KEY_VALUE_INFORMATION_CLASS::KeyValuePartialInformation,
                (&raw mut value).cast(),
                ffi::typed::size_of::<DwordValue>(),
                &raw mut result_len,
            )
        };
        NtStatus::from_raw(status).ok()?;
        if value.info.Type != ffi::REG_DWORD || value.info.DataLength != 4 {
            return Err(NtStatus::OBJECT_TYPE_MISMATCH);
        }
        let [first] = value.info.Data;
        let [b1, b2, b3, _] = value.rest;
        Ok(u32::from_le_bytes([first, b1, b2, b3]))
    }
}
