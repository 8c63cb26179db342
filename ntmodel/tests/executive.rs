//! Pool, `MmGetSystemRoutineAddress`, `DbgPrint`, and the export list itself.
mod common;

use nt_bindings as nt;
use ntmodel::{Kernel, codes};

const TAG: u32 = u32::from_le_bytes(*b"Test");

#[test]
fn pool2_is_zeroed_unless_uninitialized_and_counted_per_tag() {
    let k = Kernel::new();
    k.run_in_system(|| {
        let zeroed = ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 64, TAG).cast::<u8>();
        assert!(!zeroed.is_null());
        // SAFETY: 64 bytes just allocated.
        let bytes = unsafe { std::slice::from_raw_parts(zeroed, 64) };
        assert!(bytes.iter().all(|byte| *byte == 0));
        let raw = ntmodel::ExAllocatePool2(
            nt::POOL_FLAG_NON_PAGED | nt::POOL_FLAG_UNINITIALIZED,
            16,
            TAG,
        )
        .cast::<u8>();
        // SAFETY: 16 bytes just allocated.
        let bytes = unsafe { std::slice::from_raw_parts(raw, 16) };
        assert!(
            bytes.iter().any(|byte| *byte != 0),
            "uninitialised pool is not zero by accident"
        );
        let stats = k.pool_stats_by_tag(TAG);
        assert_eq!(
            (
                stats.allocations,
                stats.bytes,
                stats.outstanding,
                stats.outstanding_bytes
            ),
            (2, 80, 2, 80)
        );
        // SAFETY: our allocations, freed once with their tag.
        unsafe { ntmodel::ExFreePoolWithTag(zeroed.cast(), TAG) };
        // SAFETY: as above.
        unsafe { ntmodel::ExFreePoolWithTag(raw.cast(), TAG) };
    });
    let stats = k.pool_stats_by_tag(TAG);
    assert_eq!(
        (
            stats.allocations,
            stats.outstanding,
            stats.outstanding_bytes
        ),
        (2, 0, 0)
    );
    assert_eq!(k.pool_outstanding(), 0);
    k.check_no_stop();
}

#[test]
fn freeing_pool_with_the_wrong_tag_or_twice_is_bad_pool_caller() {
    let k = Kernel::new();
    k.run_in_system(|| {
        let block = ntmodel::ExAllocatePoolWithTag(nt::_POOL_TYPE::NonPagedPoolNx, 32, TAG);
        // SAFETY: deliberately the wrong tag; the model refuses the free.
        unsafe { ntmodel::ExFreePoolWithTag(block, u32::from_le_bytes(*b"Oops")) };
        assert_eq!(k.pool_outstanding(), 1, "a refused free frees nothing");
        // SAFETY: our allocation.
        unsafe { ntmodel::ExFreePoolWithTag(block, TAG) };
        // SAFETY: deliberately freed twice.
        unsafe { ntmodel::ExFreePoolWithTag(block, TAG) };
    });
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 2);
    assert!(
        stops[0].is(codes::BAD_POOL_CALLER, codes::POOL_WRONG_TAG),
        "{}",
        stops[0]
    );
    assert!(
        stops[1].is(codes::BAD_POOL_CALLER, codes::POOL_DOUBLE_FREE),
        "{}",
        stops[1]
    );
}

#[test]
fn a_zero_byte_allocation_is_a_verifier_stop() {
    let k = Kernel::new();
    let block = k.run_in_system(|| ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 0, TAG));
    assert!(block.is_null());
    assert!(k.take_verifier_stops()[0].is(codes::DRIVER_VERIFIER_DETECTED_VIOLATION, 0x00));
}

fn routine(name: &str) -> usize {
    let units: Vec<u16> = name.encode_utf16().collect();
    let mut string = nt::UNICODE_STRING {
        Length: u16::try_from(units.len() * 2).unwrap_or(0),
        MaximumLength: 0,
        Buffer: units.as_ptr().cast_mut(),
    };
    // SAFETY: a valid string.
    unsafe { ntmodel::MmGetSystemRoutineAddress(&raw mut string) as usize }
}

#[test]
fn system_routine_addresses_are_the_models_exports_unless_hidden() {
    let k = Kernel::new();
    k.run_in_system(|| {
        assert_eq!(
            routine("ExAllocatePool2"),
            ntmodel::ExAllocatePool2 as *const () as usize
        );
        assert_eq!(routine("ZwClose"), ntmodel::ZwClose as *const () as usize);
        assert_eq!(routine("NoSuchRoutine"), 0);
    });
    k.hide_routine("ExAllocatePool2");
    k.run_in_system(|| assert_eq!(routine("ExAllocatePool2"), 0));
    k.check_no_stop();
}

#[test]
fn dbgprint_output_is_captured() {
    let k = Kernel::new();
    k.run_in_system(|| {
        // SAFETY: two NUL-terminated strings.
        unsafe { ntmodel::DbgPrint(c"%s".as_ptr(), c"hello from the driver\n".as_ptr()) };
    });
    assert_eq!(k.debug_log(), vec!["hello from the driver".to_owned()]);
    k.check_no_stop();
}

#[test]
fn every_export_is_listed_once() {
    let names = ntmodel::exported_names();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    for name in [
        "ObReferenceObjectByHandle",
        "ZwClose",
        "NtClose",
        "ObCloseHandle",
        "DbgPrint",
        "ExEventObjectType",
        "PsThreadType",
        "ExSemaphoreObjectType",
        "CmKeyObjectType",
        "MmSectionObjectType",
    ] {
        assert!(names.contains(&name), "{name}");
    }
    assert_eq!(names.len(), 51);
}

#[test]
fn quota_pool_is_charged_to_the_current_process_and_returned_at_free() {
    let k = Kernel::new();
    let alice = k.create_process("a.exe", ntmodel::User::new("alice"));
    let bob = k.create_process("b.exe", ntmodel::User::new("bob"));
    let memory = k.run_in(&alice, ntmodel::PreviousMode::KernelMode, || {
        ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED | nt::POOL_FLAG_USE_QUOTA, 100, TAG)
    });
    assert!(!memory.is_null());
    let unpaid = k.run_in(&alice, ntmodel::PreviousMode::KernelMode, || {
        ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 50, TAG)
    });
    assert_eq!((alice.pool_charged(), bob.pool_charged()), (100, 0));
    // Freed elsewhere (a DPC, another process): the charge goes back to alice.
    k.run_in(&bob, ntmodel::PreviousMode::KernelMode, || {
        // SAFETY: our allocations, freed once with their tag.
        unsafe { ntmodel::ExFreePoolWithTag(memory, TAG) };
        // SAFETY: as above.
        unsafe { ntmodel::ExFreePoolWithTag(unpaid, TAG) };
    });
    assert_eq!((alice.pool_charged(), bob.pool_charged()), (0, 0));
    k.check_no_stop();
}

#[test]
fn over_its_quota_a_process_gets_null_or_the_exception_it_asked_for() {
    let k = Kernel::new();
    let alice = k.create_process("a.exe", ntmodel::User::new("alice"));
    alice.set_pool_quota(Some(64));
    let in_alice =
        |f: &dyn Fn() -> nt::PVOID| k.run_in(&alice, ntmodel::PreviousMode::KernelMode, f);
    let fits = in_alice(&|| {
        ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED | nt::POOL_FLAG_USE_QUOTA, 64, TAG)
    });
    assert!(!fits.is_null());
    let over = in_alice(&|| {
        ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED | nt::POOL_FLAG_USE_QUOTA, 1, TAG)
    });
    assert!(
        over.is_null(),
        "ExAllocatePool2 returns NULL over the quota"
    );
    let quiet = in_alice(&|| {
        ntmodel::ExAllocatePoolWithQuotaTag(
            nt::_POOL_TYPE::NonPagedPoolNx | nt::POOL_QUOTA_FAIL_INSTEAD_OF_RAISE,
            1,
            TAG,
        )
    });
    assert!(quiet.is_null());
    k.check_no_stop();
    let raised =
        in_alice(&|| ntmodel::ExAllocatePoolWithQuotaTag(nt::_POOL_TYPE::NonPagedPoolNx, 1, TAG));
    assert!(raised.is_null());
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].code, codes::KMODE_EXCEPTION_NOT_HANDLED);
    assert_eq!(stops[0].params[0], 0xC000_0044, "STATUS_QUOTA_EXCEEDED");
    k.run_in_system(|| {
        // SAFETY: our allocation, freed once with its tag.
        unsafe { ntmodel::ExFreePoolWithTag(fits, TAG) };
    });
    assert_eq!(alice.pool_charged(), 0);
}

#[test]
fn the_low_resources_simulation_fails_the_next_allocations_of_a_tag() {
    let k = Kernel::new();
    k.fail_pool_allocations(TAG, 2);
    k.run_in_system(|| {
        let other =
            ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 8, u32::from_le_bytes(*b"Othr"));
        assert!(!other.is_null(), "other tags are not affected");
        assert!(ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 8, TAG).is_null());
        assert!(ntmodel::ExAllocatePoolWithTag(nt::_POOL_TYPE::NonPagedPoolNx, 8, TAG).is_null());
        let third = ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 8, TAG);
        assert!(!third.is_null(), "only the next two fail");
        // SAFETY: our allocations, freed once with their tags.
        unsafe { ntmodel::ExFreePoolWithTag(third, TAG) };
        // SAFETY: as above.
        unsafe { ntmodel::ExFreePoolWithTag(other, u32::from_le_bytes(*b"Othr")) };
    });
    k.check_no_stop();
}
