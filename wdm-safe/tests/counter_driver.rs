//! A second driver on the layer, the smallest one that uses it: a per-open request counter.
//! It shows what another WDM driver writes (a `Driver` impl and `driver_entry!`, no `unsafe`)
//! and checks the layer's run-time guarantees on the model kernel: the open's state lives from
//! create to close, `Information` never exceeds the output buffer, and the layer releases what
//! it allocated.
#![forbid(unsafe_code)]

use core::sync::atomic::{AtomicU32, Ordering};
use nt_bindings as nt;
use ntmodel::{IoOutcome, Kernel, User};
use wdm_safe::driver::Driver;
use wdm_safe::irp::{Dispatched, Irp};
use wdm_safe::pool::Pool;
use wdm_safe::registry::RegistryPath;
use wdm_safe::security::{DEVICE_SDDL, DeviceSecurity, Guid, SecurityDescriptor};
use wdm_safe::status::{NtError, NtResult};
use wdm_safe::wide;

/// `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)`: reply with the
/// number of requests this open has sent, as 4 bytes.
const COUNT: u32 = 0x0022_2400;
/// Same function, but the reply claims a megabyte of output.
const OVERCLAIM: u32 = 0x0022_2404;

struct Counter {
    opens: AtomicU32,
}

struct Open {
    requests: AtomicU32,
}

impl Driver for Counter {
    type Open<'dev> = Open;

    const DEVICE_NAME: &'static [u16] = wide!(r"\Device\Counter");
    const LINK_NAME: &'static [u16] = wide!(r"\DosDevices\Counter");
    const OPEN_TAG: u32 = u32::from_le_bytes(*b"CtOp");
    const DEVICE_SECURITY: DeviceSecurity = DeviceSecurity {
        descriptor: &SecurityDescriptor::DEVICE,
        sddl: wide!(DEVICE_SDDL),
        class: Guid {
            data1: 0x0c07_7e12,
            data2: 0,
            data3: 0,
            data4: [0; 8],
        },
    };

    fn start(_pool: Pool, _registry_path: RegistryPath<'_>) -> NtResult<Self> {
        Ok(Self {
            opens: AtomicU32::new(0),
        })
    }

    fn create(&self, _irp: &Irp) -> NtResult<Open> {
        self.opens.fetch_add(1, Ordering::Relaxed);
        Ok(Open {
            requests: AtomicU32::new(0),
        })
    }

    fn cleanup(&self, _open: &Open) {}

    fn close(&self, _open: Open) {
        self.opens.fetch_sub(1, Ordering::Relaxed);
    }

    fn device_control(&self, open: &Open, mut irp: Irp) -> Dispatched {
        let count = open.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let claimed = match irp.ioctl().code {
            COUNT => 4,
            OVERCLAIM => 1 << 20,
            _ => return irp.fail(NtError::INVALID_DEVICE_REQUEST),
        };
        let reply = irp.reply_with(|output| match output.get_mut(..4) {
            Some(bytes) => {
                bytes.copy_from_slice(&count.to_le_bytes());
                Ok(claimed)
            }
            None => Err(NtError::BUFFER_TOO_SMALL),
        });
        match reply {
            Ok(written) => irp.succeed(written),
            Err(error) => irp.fail(error),
        }
    }

    fn unload(self) {
        assert_eq!(self.opens.load(Ordering::Relaxed), 0, "unloaded with opens");
    }
}

wdm_safe::driver_entry!(Counter);

fn loaded() -> Kernel {
    let kernel = Kernel::new();
    assert_eq!(kernel.load_driver(DriverEntry), nt::STATUS_SUCCESS);
    kernel
}

#[test]
fn each_open_keeps_its_own_state_from_create_to_close() {
    let kernel = loaded();
    let app = kernel.create_process("app.exe", User::new("alice"));
    let first = app.open(r"\\.\Counter", nt::GENERIC_READ).expect("opens");
    let second = app.open(r"\\.\Counter", nt::GENERIC_READ).expect("opens");
    for expected in 1..=3u32 {
        let reply = app.ioctl(first, COUNT, &[], 4);
        assert_eq!(reply.status(), nt::STATUS_SUCCESS);
        assert_eq!(reply.output(), expected.to_le_bytes());
    }
    assert_eq!(
        app.ioctl(second, COUNT, &[], 4).output(),
        1u32.to_le_bytes()
    );
    assert_eq!(app.close(first), nt::STATUS_SUCCESS);
    assert_eq!(app.close(second), nt::STATUS_SUCCESS);
    app.exit();
    kernel.unload_driver().expect("nothing leaked");
    kernel.check_no_stop();
}

#[test]
fn information_is_cut_to_the_output_buffer_whatever_the_driver_claims() {
    let kernel = loaded();
    let app = kernel.create_process("app.exe", User::new("alice"));
    let device = app.open(r"\\.\Counter", nt::GENERIC_READ).expect("opens");
    let reply = app.ioctl(device, OVERCLAIM, &[], 16);
    let IoOutcome::Done {
        status,
        information,
        output,
    } = reply
    else {
        panic!("the request completed at once");
    };
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(information, 16, "Information is the output buffer's length");
    assert_eq!(output.get(..4), Some(&1u32.to_le_bytes()[..]));
    assert_eq!(app.close(device), nt::STATUS_SUCCESS);
    app.exit();
    kernel.unload_driver().expect("nothing leaked");
    kernel.check_no_stop();
}

#[test]
fn a_failed_reply_completes_with_its_error_and_no_output() {
    let kernel = loaded();
    let app = kernel.create_process("app.exe", User::new("alice"));
    let device = app.open(r"\\.\Counter", nt::GENERIC_READ).expect("opens");
    let reply = app.ioctl(device, COUNT, &[], 2);
    assert_eq!(reply.status(), nt::STATUS_BUFFER_TOO_SMALL);
    assert!(reply.output().is_empty());
    assert_eq!(
        app.ioctl(device, 0x0022_2408, &[], 4).status(),
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    assert_eq!(app.close(device), nt::STATUS_SUCCESS);
    app.exit();
    kernel.unload_driver().expect("nothing leaked");
    kernel.check_no_stop();
}
