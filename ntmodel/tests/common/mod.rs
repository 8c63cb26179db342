//! Shared by the integration tests: a tiny WDM driver written against the raw bindings, the
//! way a C driver would be, to exercise the model's I/O manager, timers, DPCs and verifier.
#![allow(dead_code, non_snake_case, clippy::missing_safety_doc)]

pub mod test_driver;

use nt_bindings as nt;
use ntmodel::{IoOutcome, Kernel, Process, User};

/// A kernel with the test driver loaded and one process of user "alice".
pub fn kernel_with_driver() -> (Kernel, Process) {
    let k = Kernel::new();
    assert_eq!(
        k.load_driver_as("modeltest", test_driver::DriverEntry),
        nt::STATUS_SUCCESS
    );
    let alice = k.create_process("app.exe", User::new("alice"));
    (k, alice)
}

/// The status and output of a completed request (panics if pending).
pub fn done(outcome: IoOutcome) -> (nt::NTSTATUS, u64, Vec<u8>) {
    match outcome {
        IoOutcome::Done {
            status,
            information,
            output,
        } => (status, information, output),
        IoOutcome::Pending(_) => panic!("request unexpectedly pending"),
    }
}

/// Calls an export with a raw out-pointer for a `PVOID`.
pub fn reference_by_handle(
    handle: u64,
    access: u32,
    object_type: nt::POBJECT_TYPE,
    mode: i8,
) -> (nt::NTSTATUS, usize, Option<nt::OBJECT_HANDLE_INFORMATION>) {
    let mut object: nt::PVOID = 0x1234 as nt::PVOID;
    let mut information = nt::OBJECT_HANDLE_INFORMATION {
        HandleAttributes: 0xAAAA,
        GrantedAccess: 0xBBBB,
    };
    // SAFETY: both out-pointers are valid locals.
    let status = unsafe {
        ntmodel::ObReferenceObjectByHandle(
            handle as nt::HANDLE,
            access,
            object_type,
            mode,
            &raw mut object,
            &raw mut information,
        )
    };
    let written = (information.HandleAttributes != 0xAAAA || information.GrantedAccess != 0xBBBB)
        .then_some(information);
    (status, object as usize, written)
}
