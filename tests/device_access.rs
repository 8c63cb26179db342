//! Who reaches the driver, and with which access. The device carries an explicit DACL
//! (SYSTEM all access; Administrators read, write and execute; Everyone read and write;
//! restricted code read), so an open asking for more than that (`WRITE_DAC`, `DELETE`) is
//! refused; and the codes that create or change state require `FILE_WRITE_ACCESS`, the
//! others `FILE_READ_ACCESS`, so the I/O manager refuses a handle opened without them
//! before the driver sees the request.
mod support;

use handleguard_protocol::{
    self as protocol, IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT as CREATE_KERNEL_EVENT,
    IOCTL_HANDLEGUARD_GET_INFO as GET_INFO, IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER,
    IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT as SIGNAL, IOCTL_HANDLEGUARD_UNREGISTER as UNREGISTER,
    InfoReply,
};
use support::*;

const WRITE_DAC: u32 = 0x0004_0000;
const DELETE: u32 = 0x0001_0000;

#[test]
fn an_open_asking_for_more_than_the_device_dacl_gives_is_access_denied() {
    let kernel = boot();
    let process = kernel.create_process("hgctl.exe", User::new("alice"));
    for access in [WRITE_DAC, DELETE, nt::FILE_ALL_ACCESS, nt::GENERIC_ALL] {
        assert_eq!(
            process.open(DEVICE, access),
            Err(nt::STATUS_ACCESS_DENIED),
            "{access:#x}"
        );
    }
    let device = process
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("read and write are what everyone gets");
    assert_eq!(info(&process, device).opens, 1);
    unload_clean(&kernel, &[&process]);
}

#[test]
fn the_state_changing_codes_need_write_access_and_the_others_read_access() {
    for code in [REGISTER, UNREGISTER, CREATE_KERNEL_EVENT, SIGNAL] {
        assert_eq!((code >> 14) & 3, protocol::FILE_WRITE_ACCESS, "{code:#x}");
    }
    for code in [
        GET_INFO,
        protocol::IOCTL_HANDLEGUARD_INSPECT_FILE,
        protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
    ] {
        assert_eq!((code >> 14) & 3, protocol::FILE_READ_ACCESS, "{code:#x}");
    }
}

#[test]
fn a_handle_without_write_access_cannot_register_and_the_driver_never_sees_it() {
    let kernel = boot();
    let (alice, full) = client(&kernel, "alice");
    let read_only = alice
        .open(DEVICE, nt::GENERIC_READ)
        .expect("a read-only open");
    let no_access = alice
        .open(DEVICE, nt::SYNCHRONIZE)
        .expect("an open with no data access");
    let requests_before = info(&alice, full).requests;

    let kernel_event = [0u8; 8];
    for device in [read_only, no_access] {
        assert_eq!(
            raw(&alice, device, CREATE_KERNEL_EVENT, &kernel_event, 16).status,
            nt::STATUS_ACCESS_DENIED
        );
    }
    assert_eq!(
        raw(&alice, no_access, GET_INFO, &[], InfoReply::SIZE).status,
        nt::STATUS_ACCESS_DENIED
    );
    assert_eq!(
        raw(&alice, read_only, GET_INFO, &[], InfoReply::SIZE).status,
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        info(&alice, full).requests,
        requests_before + 2,
        "only the read-only GET_INFO (and this one) reached the driver"
    );
    unload_clean(&kernel, &[&alice]);
}
