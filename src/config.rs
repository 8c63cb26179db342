//! The driver's Parameters, read once at load with a private kernel handle.
use crate::log::log;
use wdm_safe::handle::KernelHandle;
use wdm_safe::registry::RegistryPath;
use wdm_safe::wide;

/// Registrations per open when `MaxRegistrationsPerOpen` is absent.
pub const DEFAULT_REGISTRATIONS_PER_OPEN: u32 = 64;
/// The largest accepted `MaxRegistrationsPerOpen`.
pub const MAX_REGISTRATIONS_PER_OPEN: u32 = 4096;
/// Active registrations on the device, over every open and process, when `MaxRegistrations`
/// is absent: about 640 KB of nonpaged pool at 160 bytes a record.
pub const DEFAULT_REGISTRATIONS: u32 = 4096;
/// The largest accepted `MaxRegistrations`.
pub const MAX_REGISTRATIONS: u32 = 65536;

/// The limits on registrations.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Registrations one open may hold.
    pub per_open: u32,
    /// Registrations the device holds at once, over every open.
    pub device: u32,
}

impl Limits {
    /// `<service key>\Parameters\MaxRegistrationsPerOpen` (REG_DWORD, 1..=4096) and
    /// `MaxRegistrations` (REG_DWORD, 1..=65536), each its default when absent or out of range.
    ///
    /// IRQL: PASSIVE_LEVEL (DriverEntry).
    pub fn read(service_key: RegistryPath<'_>) -> Self {
        let parameters = service_key.open_subkey(wide!("Parameters")).ok();
        let parameters = parameters.as_ref();
        Self {
            per_open: dword(
                parameters,
                wide!("MaxRegistrationsPerOpen"),
                "MaxRegistrationsPerOpen",
                MAX_REGISTRATIONS_PER_OPEN,
                DEFAULT_REGISTRATIONS_PER_OPEN,
            ),
            device: dword(
                parameters,
                wide!("MaxRegistrations"),
                "MaxRegistrations",
                MAX_REGISTRATIONS,
                DEFAULT_REGISTRATIONS,
            ),
        }
    }
}

/// A REG_DWORD in `1..=max`, or `default` (saying so in the log when it was out of range).
fn dword(
    key: Option<&KernelHandle>,
    value: &'static [u16],
    name: &str,
    max: u32,
    default: u32,
) -> u32 {
    match key.map(|key| key.query_dword(value)) {
        Some(Ok(value @ 1..)) if value <= max => value,
        Some(Ok(value)) => {
            log!("{name} = {value} is out of range 1..={max}; using the default");
            default
        }
        Some(Err(_)) | None => default,
    }
}
