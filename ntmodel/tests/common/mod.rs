//! Shared by the integration tests: a tiny WDM driver written against the raw bindings, the
//! way a C driver would be, to exercise the model's I/O manager, timers, DPCs and verifier.
#![allow(dead_code, non_snake_case, clippy::missing_safety_doc)]

pub mod signal_driver;
pub mod test_driver;
pub mod wdm;

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
/// The model test driver's device, opened for reading and writing.
pub fn open_device(process: &Process) -> u64 {
    process
        .open("\\\\.\\ModelTest", nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("open")
}

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

/// `ZwCreateFile(FILE_OPEN)` with `attributes` and `options`: (status, handle).
pub fn zw_create_file(
    attributes: &mut nt::OBJECT_ATTRIBUTES,
    access: u32,
    options: u32,
) -> (nt::NTSTATUS, u64) {
    let mut handle: nt::HANDLE = std::ptr::null_mut();
    let mut iosb = nt::IO_STATUS_BLOCK {
        __bindgen_anon_1: nt::_IO_STATUS_BLOCK__bindgen_ty_1 { Status: -1 },
        Information: 0,
    };
    // SAFETY: valid pointers for the call.
    let status = unsafe {
        ntmodel::ZwCreateFile(
            &raw mut handle,
            access,
            attributes,
            &raw mut iosb,
            std::ptr::null_mut(),
            0,
            nt::FILE_SHARE_READ,
            nt::FILE_OPEN,
            options,
            std::ptr::null_mut(),
            0,
        )
    };
    (status, handle as u64)
}

/// `ObReferenceObjectByHandle(handle, access, object_type, UserMode)` in `process`'s context,
/// as a driver's dispatch routine would call it; a reference taken is dropped again. The
/// status.
pub fn reference_as_user(
    kernel: &Kernel,
    process: &Process,
    handle: u64,
    access: u32,
    object_type: nt::POBJECT_TYPE,
) -> nt::NTSTATUS {
    kernel.run_in(process, ntmodel::PreviousMode::UserMode, || {
        let (status, object, _) = reference_by_handle(handle, access, object_type, 1);
        if status == nt::STATUS_SUCCESS {
            // SAFETY: the reference just taken.
            unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) };
        }
        status
    })
}
