//! The driver's Parameters, read once at load with a private kernel handle.
use crate::log::log;
use wdm_safe::registry::RegistryPath;
use wdm_safe::wide;

/// Registrations per open when the parameter is absent.
pub const DEFAULT_REGISTRATIONS_PER_OPEN: u32 = 64;
/// The largest accepted `MaxRegistrationsPerOpen`.
pub const MAX_REGISTRATIONS_PER_OPEN: u32 = 4096;

/// `<service key>\Parameters\MaxRegistrationsPerOpen` (REG_DWORD, 1..=4096), or the default.
///
/// IRQL: PASSIVE_LEVEL (DriverEntry).
pub fn registrations_per_open(service_key: RegistryPath<'_>) -> usize {
    let value = service_key
        .open_subkey(wide!("Parameters"))
        .and_then(|key| key.query_dword(wide!("MaxRegistrationsPerOpen")));
    let quota = match value {
        Ok(value @ 1..=MAX_REGISTRATIONS_PER_OPEN) => value,
        Ok(value) => {
            log!(
                "MaxRegistrationsPerOpen = {value} is out of range 1..={MAX_REGISTRATIONS_PER_OPEN}; using the default"
            );
            DEFAULT_REGISTRATIONS_PER_OPEN
        }
        Err(_) => DEFAULT_REGISTRATIONS_PER_OPEN,
    };
    quota as usize
}
