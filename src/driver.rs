//! The driver's state, its opens, and its answers to the I/O manager.
use crate::config;
use crate::ioctl;
use crate::log::log;
use crate::stats::Stats;
use handleguard_protocol::{self as protocol, Refusal};
use wdm_safe::driver::Driver;
use wdm_safe::irp::{Dispatched, Irp};
use wdm_safe::notify::{NotifyCounters, NotifyTable, NotifyTags};
use wdm_safe::pool::Pool;
use wdm_safe::registry::RegistryPath;
use wdm_safe::security::{DEVICE_SDDL, DeviceSecurity, Guid, SecurityDescriptor};
use wdm_safe::status::{NtError, NtResult};
use wdm_safe::wide;

/// The driver's state, kept in its device's extension.
pub struct HandleGuard {
    pub(crate) stats: Stats,
    /// Device-wide registration counters, shared by every open's table.
    pub(crate) counters: NotifyCounters,
    pool: Pool,
    /// Registrations each open may hold (the `MaxRegistrationsPerOpen` parameter).
    quota: usize,
}

/// One open of the device: its registrations.
pub struct Open<'dev> {
    pub(crate) notify: NotifyTable<'dev>,
    _counted: Counted<'dev>,
}

/// An open counted in [`Stats`] for as long as it exists: however the open ends (closed,
/// or dropped because its state could not be stored), it is uncounted exactly once.
struct Counted<'dev>(&'dev Stats);

impl<'dev> Counted<'dev> {
    fn new(stats: &'dev Stats) -> Self {
        stats.opened();
        Self(stats)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.closed();
    }
}

/// `{95d63161-0762-4274-b527-a062240d8547}`: handleguard's own device class for
/// `IoCreateDeviceSecure` (a new GUID, not a setup class: Microsoft's guidance), under which an
/// administrator may override the device's SDDL where that routine is used.
const DEVICE_CLASS: Guid = Guid {
    data1: 0x95d6_3161,
    data2: 0x0762,
    data3: 0x4274,
    data4: [0xb5, 0x27, 0xa0, 0x62, 0x24, 0x0d, 0x85, 0x47],
};

const NOTIFY_TAGS: NotifyTags = NotifyTags {
    table: u32::from_le_bytes(*b"HgNt"),
    record: u32::from_le_bytes(*b"HgNr"),
};

impl Driver for HandleGuard {
    type Open<'dev> = Open<'dev>;

    const DEVICE_NAME: &'static [u16] = wide!(protocol::DEVICE_NT_NAME);
    const LINK_NAME: &'static [u16] = wide!(protocol::DEVICE_DOS_NAME);
    const OPEN_TAG: u32 = u32::from_le_bytes(*b"HgOp");
    const DEVICE_SECURITY: DeviceSecurity = DeviceSecurity {
        descriptor: &SecurityDescriptor::DEVICE,
        sddl: wide!(DEVICE_SDDL),
        class: DEVICE_CLASS,
    };

    fn start(pool: Pool, registry_path: RegistryPath<'_>) -> NtResult<Self> {
        let limits = config::Limits::read(registry_path);
        log!(
            "loaded: {} registrations per open, {} on the device; ExAllocatePool2 {}",
            limits.per_open,
            limits.device,
            if pool.has_allocate_pool2() {
                "found"
            } else {
                "missing, using ExAllocatePoolWithTag"
            }
        );
        Ok(Self {
            stats: Stats::default(),
            counters: NotifyCounters::new(u64::from(limits.device)),
            pool,
            quota: limits.per_open as usize,
        })
    }

    fn create<'dev>(&'dev self, irp: &Irp) -> NtResult<Open<'dev>> {
        if !irp.opens_device_itself() {
            // The device has no namespace: `\\.\HandleGuard\anything` is refused.
            self.stats.refused(Refusal::NamespaceOpen);
            return Err(NtError::OBJECT_NAME_NOT_FOUND);
        }
        Ok(Open {
            notify: NotifyTable::new(self.pool, NOTIFY_TAGS, self.quota, &self.counters),
            _counted: Counted::new(&self.stats),
        })
    }

    fn cleanup<'dev>(&'dev self, open: &Open<'dev>) {
        open.notify.cancel_all();
    }

    fn close<'dev>(&'dev self, open: Open<'dev>) {
        // Its registrations are cancelled and its open uncounted.
        drop(open);
    }

    fn device_control<'dev>(&'dev self, open: &Open<'dev>, irp: Irp) -> Dispatched {
        ioctl::route(self, open, irp)
    }

    fn unload(self) {
        // Every open was closed before unload, so nothing is left to cancel: the state holds
        // only counters.
        log!("unloaded");
    }
}
