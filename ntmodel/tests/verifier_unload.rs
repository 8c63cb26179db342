//! Unload: what a driver leaves behind (references, pool, kernel handles, devices, links,
//! armed timers) fails it with a leak report, and unload waits for every open file.
mod common;

use common::test_driver::*;
use common::{done, kernel_with_driver, open_device};
use nt_bindings as nt;
use ntmodel::{EventKind, Kernel};

#[test]
fn leaked_pool_references_and_kernel_handles_fail_the_unload() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    for (code, input) in [
        (IOCTL_BUG_LEAK_POOL, Vec::new()),
        (IOCTL_BUG_LEAK_REFERENCE, event.to_le_bytes().to_vec()),
        (IOCTL_BUG_LEAK_KERNEL_HANDLE, Vec::new()),
    ] {
        assert_eq!(
            done(alice.ioctl(device, code, &input, 0)).0,
            nt::STATUS_SUCCESS
        );
    }
    alice.exit();
    let report = k.unload_driver().expect_err("leaks");
    assert_eq!(report.pool, vec![("MdlT".to_owned(), 32)]);
    assert_eq!(report.references.len(), 1);
    assert_eq!(report.references[0].0, "Event");
    assert_eq!(report.references[0].2, 1);
    assert_eq!(report.handles.len(), 1);
    assert_eq!(report.handles[0].0, "Event");
    assert!(
        report.devices.is_empty(),
        "the driver did delete its device"
    );
    assert!(report.to_string().contains("0x62"));
}

/// A driver whose unload routine forgets everything.
unsafe extern "C" fn forgetful_entry(
    driver: nt::PDRIVER_OBJECT,
    registry: nt::PUNICODE_STRING,
) -> nt::NTSTATUS {
    // SAFETY: forwarded from the model.
    let status = unsafe { DriverEntry(driver, registry) };
    // SAFETY: our driver object, during DriverEntry.
    unsafe { (*driver).DriverUnload = Some(forgetful_unload) };
    status
}

unsafe extern "C" fn forgetful_unload(driver: nt::PDRIVER_OBJECT) {
    // SAFETY: our driver object.
    let device = unsafe { (*driver).DeviceObject };
    // SAFETY: our extension.
    let extension = unsafe { (*device).DeviceExtension }.cast::<Extension>();
    // SAFETY: our timer.
    let timer = unsafe { &raw mut (*extension).timer };
    // SAFETY: our DPC.
    let dpc = unsafe { &raw mut (*extension).dpc };
    // SAFETY: initialised by DriverEntry; the bug is leaving it armed.
    unsafe {
        ntmodel::KeSetTimer(
            timer,
            nt::LARGE_INTEGER {
                QuadPart: -10_000_000,
            },
            dpc,
        )
    };
}

#[test]
fn devices_links_and_armed_timers_left_behind_fail_the_unload() {
    let k = Kernel::new();
    assert_eq!(
        k.load_driver_as("forgetful", forgetful_entry),
        nt::STATUS_SUCCESS
    );
    let report = k.unload_driver().expect_err("leaks");
    assert_eq!(report.devices, vec![DEVICE_NAME.to_owned()]);
    assert_eq!(report.symbolic_links, vec![LINK_NAME.to_owned()]);
    assert_eq!(report.armed_timers, 1);
    assert!(report.pool.is_empty());
}

#[test]
fn unload_is_refused_while_files_are_open_on_the_device() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let report = k.unload_driver().expect_err("refused");
    assert!(report.refused.is_some());
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}
