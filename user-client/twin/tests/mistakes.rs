//! Each of the twin's IOCTLs accepts what its mistake lets through, on the model kernel.
#![forbid(unsafe_code)]

use handleguard_twin::{
    DEVICE_PATH, DriverEntry, INPUT_LEN, IOCTL_TWIN_KERNEL_MODE, IOCTL_TWIN_NO_ACCESS,
    IOCTL_TWIN_NO_TYPE, SERVICE,
};
use nt_bindings as nt;
use ntmodel::{EventKind, Kernel, Process, User, codes};

fn input(handle: u64) -> Vec<u8> {
    let mut bytes = handle.to_le_bytes().to_vec();
    bytes.resize(INPUT_LEN, 0);
    bytes
}

fn loaded() -> (Kernel, Process, u64) {
    let kernel = Kernel::new();
    assert_eq!(
        kernel.load_driver_as(SERVICE, DriverEntry),
        nt::STATUS_SUCCESS
    );
    let app = kernel.create_process("app.exe", User::new("alice"));
    let device = app
        .open(DEVICE_PATH, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("the twin's device opens");
    (kernel, app, device)
}

fn finish(kernel: &Kernel, app: &Process, device: u64) {
    assert_eq!(app.close(device), nt::STATUS_SUCCESS);
    app.exit();
    kernel.unload_driver_as(SERVICE).expect("nothing leaked");
}

#[test]
fn no_type_takes_a_process_handle_for_an_event() {
    let (kernel, app, device) = loaded();
    // PROCESS_ALL_ACCESS.
    let process = app.open_self(false, 0x001F_FFFF).expect("opens");
    let reply = app.ioctl(device, IOCTL_TWIN_NO_TYPE, &input(process), 0);
    assert_eq!(reply.status(), nt::STATUS_SUCCESS);
    assert_eq!(app.close(process), nt::STATUS_SUCCESS);
    finish(&kernel, &app, device);
    kernel.check_no_stop();
}

#[test]
fn no_access_takes_an_event_handle_with_no_right_to_signal() {
    let (kernel, app, device) = loaded();
    let event = app.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let reply = app.ioctl(device, IOCTL_TWIN_NO_ACCESS, &input(event), 0);
    assert_eq!(reply.status(), nt::STATUS_SUCCESS);
    finish(&kernel, &app, device);
    kernel.check_no_stop();
}

#[test]
fn kernel_mode_takes_a_kernel_handle_and_the_verifier_stops_on_a_user_one() {
    let (kernel, app, device) = loaded();
    kernel.hold_verifier_stops(true);
    let theirs = kernel.kernel_handle_of_some_object();
    let reply = app.ioctl(device, IOCTL_TWIN_KERNEL_MODE, &input(theirs), 0);
    assert_eq!(reply.status(), nt::STATUS_SUCCESS);
    assert_eq!(kernel.take_verifier_stops(), []);
    let event = app.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let reply = app.ioctl(device, IOCTL_TWIN_KERNEL_MODE, &input(event), 0);
    assert_eq!(reply.status(), nt::STATUS_SUCCESS);
    let stops = kernel.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(stops[0].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_USER_HANDLE_AS_KERNEL
    ));
    finish(&kernel, &app, device);
}

#[test]
fn any_context_resolves_a_system_handle_value_when_dispatched_in_a_system_worker() {
    let (kernel, app, device) = loaded();
    let system_value = kernel.kernel_handle_of_some_object() & !0xFFFF_FFFF_8000_0000;
    let worker = kernel.system();
    let reply = app.ioctl_dispatched_in(
        &worker,
        device,
        handleguard_twin::IOCTL_TWIN_ANY_CONTEXT,
        &input(system_value),
        0,
    );
    assert_eq!(reply.status(), nt::STATUS_SUCCESS, "{system_value:#x}");
    finish(&kernel, &app, device);
    kernel.check_no_stop();
}
