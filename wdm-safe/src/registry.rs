//! Reading the driver's own registry keys (its service key's subkeys) with private kernel
//! handles.
use crate::access::{Access, RegistryKey};
use crate::attributes::ObjectAttributes;
use crate::ffi;
use crate::handle::KernelHandle;
use crate::status::{NtError, NtResult, NtStatus};
use crate::unicode::UnicodeStr;

/// Longest key path the layer builds (service key + `\` + subkey), in UTF-16 units.
const MAX_KEY_UNITS: usize = 256;

/// The driver's service key, as the I/O manager passed it to `DriverEntry`.
///
/// # Invariants
/// `key.Buffer` holds `key.Length` bytes for as long as `'a`.
#[derive(Clone, Copy)]
pub struct RegistryPath<'a> {
    key: &'a ffi::UNICODE_STRING,
}

impl<'a> RegistryPath<'a> {
    /// The registry path `DriverEntry` received.
    pub(crate) fn new(key: &'a ffi::UNICODE_STRING) -> Self {
        // INVARIANT: the I/O manager's string, valid during DriverEntry ('a).
        Self { key }
    }

    /// Opens `<service key>\<subkey>` with `KEY_QUERY_VALUE` (`OBJ_KERNEL_HANDLE`).
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status (`STATUS_OBJECT_NAME_NOT_FOUND` if the key does not exist).
    pub fn open_subkey(&self, subkey: &'static [u16]) -> NtResult<KernelHandle> {
        open_subkey(self.key, subkey)
    }
}

fn open_subkey(service_key: &ffi::UNICODE_STRING, subkey: &[u16]) -> NtResult<KernelHandle> {
    let units = usize::from(service_key.Length / 2);
    if service_key.Buffer.is_null() || units + 1 + subkey.len() > MAX_KEY_UNITS {
        return Err(NtError::INVALID_PARAMETER);
    }
    // SAFETY: the RegistryPath invariant: Buffer holds Length bytes.
    let service = unsafe { core::slice::from_raw_parts(service_key.Buffer, units) };
    let mut path = [0u16; MAX_KEY_UNITS];
    let separator = [u16::from(b'\\')];
    let parts = service.iter().chain(&separator).chain(subkey);
    let mut len = 0;
    for (slot, unit) in path.iter_mut().zip(parts) {
        *slot = *unit;
        len += 1;
    }
    let path = path.get(..len).ok_or(NtError::INVALID_PARAMETER)?;
    let mut name = UnicodeStr::new(path).ok_or(NtError::INVALID_PARAMETER)?;
    let mut attributes = ObjectAttributes::private(Some(&mut name));
    KernelHandle::open_key(&mut attributes, Access::<RegistryKey>::QUERY_VALUE)
}

impl KernelHandle {
    /// `ZwQueryValueKey(KeyValuePartialInformation)` of a `REG_DWORD` value.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status, or `STATUS_OBJECT_TYPE_MISMATCH` if the value is not a DWORD.
    pub fn query_dword(&self, value_name: &'static [u16]) -> NtResult<u32> {
        // KEY_VALUE_PARTIAL_INFORMATION ends in a 1-byte Data array at offset 12, followed by
        // padding: the value's bytes run on past the struct, so read them from a byte
        // buffer, by offset.
        #[repr(C, align(8))]
        struct Buffer([u8; 24]);
        const TYPE: usize = core::mem::offset_of!(ffi::KEY_VALUE_PARTIAL_INFORMATION, Type);
        const LENGTH: usize = core::mem::offset_of!(ffi::KEY_VALUE_PARTIAL_INFORMATION, DataLength);
        const DATA: usize = core::mem::offset_of!(ffi::KEY_VALUE_PARTIAL_INFORMATION, Data);
        let field = |buffer: &Buffer, at: usize| -> NtResult<[u8; 4]> {
            buffer
                .0
                .get(at..at + 4)
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or(NtError::INVALID_PARAMETER)
        };

        let mut name = UnicodeStr::new(value_name).ok_or(NtError::INVALID_PARAMETER)?;
        let mut buffer = Buffer([0; 24]);
        let mut result_len: ffi::ULONG = 0;
        // SAFETY: our kernel handle; a buffer of the stated size; valid out pointer.
        let status = unsafe {
            ffi::ZwQueryValueKey(
                self.raw(),
                name.as_ptr(),
                ffi::_KEY_VALUE_INFORMATION_CLASS::KeyValuePartialInformation,
                (&raw mut buffer).cast(),
                ffi::typed::size_of::<Buffer>(),
                &raw mut result_len,
            )
        };
        NtStatus::from_raw(status).ok()?;
        let kind = u32::from_le_bytes(field(&buffer, TYPE)?);
        let length = u32::from_le_bytes(field(&buffer, LENGTH)?);
        if kind != ffi::REG_DWORD || length != 4 {
            return Err(NtError::OBJECT_TYPE_MISMATCH);
        }
        Ok(u32::from_le_bytes(field(&buffer, DATA)?))
    }
}
