//! `KeFlushQueuedDpcs` waits for every queued DPC on every processor: a system-wide cost.
//! The driver flushes at close only when one of the open's timers reached its DPC (queued or
//! run), which is when a DPC may still be using the open's state; an open/close loop, or an
//! open whose registrations were cancelled in time, costs no flush.
mod support;

use handleguard_protocol::{IOCTL_HANDLEGUARD_UNREGISTER as UNREGISTER, IdRequest};
use ntmodel::TraceEvent;
use support::*;

fn flushes(kernel: &Kernel) -> usize {
    kernel
        .take_trace()
        .iter()
        .filter(
            |event| matches!(event, TraceEvent::Call(call) if call.routine == "KeFlushQueuedDpcs"),
        )
        .count()
}

fn open(process: &Process) -> u64 {
    process
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("the device opens")
}

#[test]
fn opening_and_closing_the_device_flushes_no_dpcs() {
    let kernel = boot();
    let process = kernel.create_process("hgctl.exe", User::new("alice"));
    kernel.set_trace(true);
    for _ in 0..3 {
        let device = open(&process);
        let _ = info(&process, device);
        assert_eq!(process.close(device), nt::STATUS_SUCCESS);
    }
    assert_eq!(flushes(&kernel), 0);
    unload_clean(&kernel, &[&process]);
}

#[test]
fn registrations_cancelled_before_they_were_due_leave_no_dpc_to_flush() {
    let kernel = boot();
    let process = kernel.create_process("hgctl.exe", User::new("alice"));
    kernel.set_trace(true);
    let device = open(&process);
    let id = register_new_event(&process, device, 1_000).expect("registered");
    register_new_event(&process, device, 1_000).expect("registered");
    assert_eq!(
        send(&process, device, UNREGISTER, &IdRequest { id }),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        process.close(device),
        nt::STATUS_SUCCESS,
        "cleanup cancels the other"
    );
    assert_eq!(flushes(&kernel), 0);
    unload_clean(&kernel, &[&process]);
}

#[test]
fn a_close_after_a_timer_reached_its_dpc_flushes_once() {
    let kernel = boot();
    let process = kernel.create_process("hgctl.exe", User::new("alice"));
    kernel.set_trace(true);
    let device = open(&process);
    register_new_event(&process, device, 10).expect("registered");
    kernel.advance_ms(10);
    assert_eq!(info(&process, device).registrations_fired, 1);
    assert_eq!(process.close(device), nt::STATUS_SUCCESS);
    assert_eq!(flushes(&kernel), 1);
    unload_clean(&kernel, &[&process]);
}
