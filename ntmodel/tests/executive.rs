//! Pool, events, timers and DPCs, the registry, files, `MmGetSystemRoutineAddress`, `DbgPrint`.
mod common;

use nt_bindings as nt;
use ntmodel::{FileOpen, FileSecurity, Kernel, PreviousMode, User, codes};
use std::sync::atomic::{AtomicU32, Ordering};

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
fn events_keep_their_state_in_the_kevent() {
    let k = Kernel::new();
    let mut event = nt::KEVENT::default();
    k.run_in_system(|| {
        // SAFETY: `event` is a local KEVENT used only on this thread.
        unsafe {
            ntmodel::KeInitializeEvent(&raw mut event, nt::_EVENT_TYPE::NotificationEvent, 0);
        };
        // SAFETY: as above.
        assert_eq!(unsafe { ntmodel::KeReadStateEvent(&raw mut event) }, 0);
        // SAFETY: as above.
        let previous = unsafe { ntmodel::KeSetEvent(&raw mut event, 0, 0) };
        assert_eq!(previous, 0, "previous state");
        // SAFETY: as above.
        assert_eq!(unsafe { ntmodel::KeSetEvent(&raw mut event, 0, 0) }, 1);
        // SAFETY: as above.
        unsafe { ntmodel::KeClearEvent(&raw mut event) };
        // SAFETY: as above.
        assert_eq!(unsafe { ntmodel::KeReadStateEvent(&raw mut event) }, 0);
    });
    assert_eq!(event.Header.SignalState, 0);
    k.check_no_stop();
}

#[test]
fn zw_create_event_makes_an_event_object_with_a_kernel_handle() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let handle = k.run_in(&alice, PreviousMode::UserMode, || {
        let mut attributes = nt::OBJECT_ATTRIBUTES {
            Attributes: nt::OBJ_KERNEL_HANDLE,
            ..Default::default()
        };
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid pointers.
        let status = unsafe {
            ntmodel::ZwCreateEvent(
                &raw mut handle,
                0x001F_0003,
                &raw mut attributes,
                nt::_EVENT_TYPE::NotificationEvent,
                1,
            )
        };
        assert_eq!(status, nt::STATUS_SUCCESS);
        handle as u64
    });
    assert!(k.system_handle_values().contains(&handle));
    let object = k
        .object_of(&alice, handle)
        .expect("reachable as a kernel handle");
    let state = k.run_in_system(|| {
        // SAFETY: the body of an event object is a KEVENT.
        unsafe { ntmodel::KeReadStateEvent(object as nt::PRKEVENT) }
    });
    assert_eq!(state, 1, "initially signaled");
    let closed = k.run_in_system(|| {
        // SAFETY: our kernel handle.
        unsafe { ntmodel::ZwClose(handle as nt::HANDLE) }
    });
    assert_eq!(closed, nt::STATUS_SUCCESS);
    assert!(k.is_deleted(object));
    k.check_no_stop();
}

static FIRED: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" fn count_dpc(
    _dpc: nt::PKDPC,
    context: nt::PVOID,
    _first: nt::PVOID,
    _second: nt::PVOID,
) {
    FIRED.fetch_add(context as u32, Ordering::SeqCst);
}

#[test]
fn timers_fire_their_dpc_when_the_clock_passes_the_due_time() {
    let k = Kernel::new();
    let mut timer = nt::KTIMER::default();
    let mut dpc = nt::KDPC {
        Type: 0,
        Importance: 0,
        Number: 0,
        DpcListEntry: nt::LIST_ENTRY::default(),
        DeferredRoutine: None,
        DeferredContext: std::ptr::null_mut(),
        SystemArgument1: std::ptr::null_mut(),
        SystemArgument2: std::ptr::null_mut(),
        DpcData: std::ptr::null_mut(),
    };
    let timer_pointer = &raw mut timer;
    let dpc_pointer = &raw mut dpc;
    let already = k.run_in_system(|| {
        // SAFETY: the timer and DPC live until the end of the test; nothing else uses them.
        unsafe { ntmodel::KeInitializeTimerEx(timer_pointer, nt::_TIMER_TYPE::NotificationTimer) };
        // SAFETY: as above.
        unsafe { ntmodel::KeInitializeDpc(dpc_pointer, Some(count_dpc), 1000 as nt::PVOID) };
        // SAFETY: as above.
        let first = unsafe {
            ntmodel::KeSetTimer(
                timer_pointer,
                nt::LARGE_INTEGER {
                    QuadPart: -50 * 10_000,
                },
                dpc_pointer,
            )
        };
        // SAFETY: as above.
        let second = unsafe {
            ntmodel::KeSetTimer(
                timer_pointer,
                nt::LARGE_INTEGER {
                    QuadPart: -100 * 10_000,
                },
                dpc_pointer,
            )
        };
        (first, second)
    });
    assert_eq!(
        already,
        (0, 1),
        "KeSetTimer returns whether the timer was already set"
    );
    assert_eq!(k.armed_timers(), 1);
    let before = FIRED.load(Ordering::SeqCst);
    k.advance_ms(99);
    assert_eq!(
        FIRED.load(Ordering::SeqCst),
        before,
        "re-arming replaced the 50 ms due time"
    );
    k.advance_ms(1);
    assert!(FIRED.load(Ordering::SeqCst) >= before + 1000);
    assert_eq!(k.armed_timers(), 0);
    let cancelled = k.run_in_system(|| {
        // SAFETY: the timer lives in this frame.
        unsafe { ntmodel::KeCancelTimer(timer_pointer) }
    });
    let state = timer.Header.SignalState;
    assert_eq!(
        (cancelled, state),
        (0, 1),
        "a fired timer is signaled and no longer set"
    );
    k.check_no_stop();
}

#[test]
fn a_cancelled_timer_does_not_fire() {
    let k = Kernel::new();
    let mut timer = nt::KTIMER::default();
    let timer_pointer = &raw mut timer;
    let cancelled = k.run_in_system(|| {
        // SAFETY: the timer lives in this frame.
        unsafe { ntmodel::KeInitializeTimerEx(timer_pointer, nt::_TIMER_TYPE::NotificationTimer) };
        // SAFETY: as above; no DPC.
        unsafe {
            ntmodel::KeSetTimer(
                timer_pointer,
                nt::LARGE_INTEGER {
                    QuadPart: k.now().cast_signed() + 10_000,
                },
                std::ptr::null_mut(),
            )
        };
        // SAFETY: as above.
        unsafe { ntmodel::KeCancelTimer(timer_pointer) }
    });
    assert_eq!(cancelled, 1);
    k.advance_ms(5);
    assert_eq!(timer.Header.SignalState, 0);
    k.check_no_stop();
}

#[test]
fn registry_values_are_read_with_key_value_partial_information() {
    let k = Kernel::new();
    let key = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\x\\Parameters";
    k.set_registry_dword(key, "Limit", 7);
    let key_units: Vec<u16> = key.encode_utf16().collect();
    let mut key_name = nt::UNICODE_STRING {
        Length: u16::try_from(key_units.len() * 2).unwrap_or(0),
        MaximumLength: 0,
        Buffer: key_units.as_ptr().cast_mut(),
    };
    let mut attributes = nt::OBJECT_ATTRIBUTES {
        ObjectName: &raw mut key_name,
        Attributes: nt::OBJ_KERNEL_HANDLE | nt::OBJ_CASE_INSENSITIVE,
        ..Default::default()
    };
    k.run_in_system(|| {
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid pointers.
        let status =
            unsafe { ntmodel::ZwOpenKey(&raw mut handle, nt::KEY_READ, &raw mut attributes) };
        assert_eq!(status, nt::STATUS_SUCCESS);
        let query = |name: &str, length: usize| {
            let units: Vec<u16> = name.encode_utf16().collect();
            let mut value_name = nt::UNICODE_STRING {
                Length: u16::try_from(units.len() * 2).unwrap_or(0),
                MaximumLength: 0,
                Buffer: units.as_ptr().cast_mut(),
            };
            let mut buffer = vec![0u8; length.max(1)];
            let mut result_length = 0u32;
            // SAFETY: `buffer` has `length` writable bytes.
            let status = unsafe {
                ntmodel::ZwQueryValueKey(
                    handle,
                    &raw mut value_name,
                    nt::_KEY_VALUE_INFORMATION_CLASS::KeyValuePartialInformation,
                    buffer.as_mut_ptr().cast(),
                    u32::try_from(length).unwrap_or(0),
                    &raw mut result_length,
                )
            };
            (status, result_length, buffer)
        };
        let (status, length, buffer) = query("Limit", 16);
        assert_eq!((status, length), (nt::STATUS_SUCCESS, 16));
        assert_eq!(&buffer[4..8], &nt::REG_DWORD.to_le_bytes());
        assert_eq!(&buffer[8..12], &4u32.to_le_bytes());
        assert_eq!(&buffer[12..16], &7u32.to_le_bytes());
        let (status, length, buffer) = query("limit", 12);
        assert_eq!(
            (status, length),
            (nt::STATUS_BUFFER_OVERFLOW, 16),
            "names are case-insensitive; the header fits"
        );
        assert_eq!(&buffer[8..12], &4u32.to_le_bytes());
        assert_eq!(query("Limit", 8).0, nt::STATUS_BUFFER_TOO_SMALL);
        assert_eq!(query("Missing", 16).0, nt::STATUS_OBJECT_NAME_NOT_FOUND);
        // SAFETY: our kernel handle.
        assert_eq!(unsafe { ntmodel::ZwClose(handle) }, nt::STATUS_SUCCESS);
    });
    let missing: Vec<u16> = "\\Registry\\Machine\\Nope".encode_utf16().collect();
    let mut missing_name = nt::UNICODE_STRING {
        Length: u16::try_from(missing.len() * 2).unwrap_or(0),
        MaximumLength: 0,
        Buffer: missing.as_ptr().cast_mut(),
    };
    attributes.ObjectName = &raw mut missing_name;
    let mut handle: nt::HANDLE = std::ptr::null_mut();
    // SAFETY: valid pointers.
    let status = k.run_in_system(|| unsafe {
        ntmodel::ZwOpenKey(&raw mut handle, nt::KEY_READ, &raw mut attributes)
    });
    assert_eq!(status, nt::STATUS_OBJECT_NAME_NOT_FOUND);
    k.check_no_stop();
}

fn read(handle: u64, length: usize, offset: Option<i64>) -> (nt::NTSTATUS, u64, Vec<u8>) {
    let mut iosb = nt::IO_STATUS_BLOCK {
        __bindgen_anon_1: nt::_IO_STATUS_BLOCK__bindgen_ty_1 { Status: -1 },
        Information: 0,
    };
    let mut buffer = vec![0u8; length];
    let mut offset_value = nt::LARGE_INTEGER {
        QuadPart: offset.unwrap_or(0),
    };
    let offset_pointer = if offset.is_some() {
        &raw mut offset_value
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: valid pointers; `buffer` has `length` bytes.
    let status = unsafe {
        ntmodel::ZwReadFile(
            handle as nt::HANDLE,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
            &raw mut iosb,
            buffer.as_mut_ptr().cast(),
            u32::try_from(length).unwrap_or(0),
            offset_pointer,
            std::ptr::null_mut(),
        )
    };
    let information = iosb.Information;
    buffer.truncate(usize::try_from(information).unwrap_or(0));
    (status, information, buffer)
}

fn position(handle: u64) -> (nt::NTSTATUS, i64, i64) {
    let mut iosb = nt::IO_STATUS_BLOCK {
        __bindgen_anon_1: nt::_IO_STATUS_BLOCK__bindgen_ty_1 { Status: -1 },
        Information: 0,
    };
    let mut standard = nt::FILE_STANDARD_INFORMATION::default();
    // SAFETY: valid pointers.
    let status = unsafe {
        ntmodel::ZwQueryInformationFile(
            handle as nt::HANDLE,
            &raw mut iosb,
            (&raw mut standard).cast(),
            u32::try_from(size_of::<nt::FILE_STANDARD_INFORMATION>()).unwrap_or(0),
            nt::_FILE_INFORMATION_CLASS::FileStandardInformation,
        )
    };
    assert_eq!(status, nt::STATUS_SUCCESS);
    let mut position = nt::FILE_POSITION_INFORMATION::default();
    // SAFETY: valid pointers.
    let status = unsafe {
        ntmodel::ZwQueryInformationFile(
            handle as nt::HANDLE,
            &raw mut iosb,
            (&raw mut position).cast(),
            8,
            nt::_FILE_INFORMATION_CLASS::FilePositionInformation,
        )
    };
    // SAFETY: every bit pattern is a valid LONGLONG.
    (status, unsafe { standard.EndOfFile.QuadPart }, unsafe {
        position.CurrentByteOffset.QuadPart
    })
}

#[test]
fn a_synchronous_file_is_read_from_its_current_position_until_end_of_file() {
    let k = Kernel::new();
    k.add_file(
        "\\??\\C:\\data\\a.txt",
        b"hello world",
        &FileSecurity::readable_by(&["alice"]).owned_by("alice"),
    );
    let alice = k.create_process("app.exe", User::new("alice"));
    let file = alice
        .open_file(
            "\\??\\C:\\data\\a.txt",
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    k.run_in(&alice, PreviousMode::KernelMode, || {
        assert_eq!(
            read(file, 5, None),
            (nt::STATUS_SUCCESS, 5, b"hello".to_vec())
        );
        assert_eq!(position(file), (nt::STATUS_SUCCESS, 11, 5));
        assert_eq!(
            read(file, 100, None),
            (nt::STATUS_SUCCESS, 6, b" world".to_vec())
        );
        assert_eq!(read(file, 4, None), (nt::STATUS_END_OF_FILE, 0, Vec::new()));
        assert_eq!(
            read(file, 4, Some(6)),
            (nt::STATUS_SUCCESS, 4, b"worl".to_vec())
        );
    });
    // Zw from a user process on the user's own handle is itself a stop: kernel mode, no checks.
    let stops = k.take_verifier_stops();
    assert!(
        stops
            .iter()
            .all(|stop| stop.is(codes::NTMODEL_CHECK, codes::MODEL_USER_HANDLE_IN_ZW))
    );
    assert!(!stops.is_empty());
}

#[test]
fn an_asynchronous_file_needs_a_byte_offset() {
    let k = Kernel::new();
    k.add_file("\\??\\C:\\data\\a.txt", b"hello", &FileSecurity::everyone());
    let system = k.system();
    let name: Vec<u16> = "\\??\\C:\\data\\a.txt".encode_utf16().collect();
    let mut string = nt::UNICODE_STRING {
        Length: u16::try_from(name.len() * 2).unwrap_or(0),
        MaximumLength: 0,
        Buffer: name.as_ptr().cast_mut(),
    };
    let mut attributes = nt::OBJECT_ATTRIBUTES {
        ObjectName: &raw mut string,
        Attributes: nt::OBJ_KERNEL_HANDLE,
        ..Default::default()
    };
    k.run_in(&system, PreviousMode::KernelMode, || {
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        let mut iosb = nt::IO_STATUS_BLOCK {
            __bindgen_anon_1: nt::_IO_STATUS_BLOCK__bindgen_ty_1 { Status: -1 },
            Information: 0,
        };
        // SAFETY: valid pointers; no FILE_SYNCHRONOUS_IO_* option.
        let status = unsafe {
            ntmodel::ZwCreateFile(
                &raw mut handle,
                nt::FILE_READ_DATA,
                &raw mut attributes,
                &raw mut iosb,
                std::ptr::null_mut(),
                0,
                nt::FILE_SHARE_READ,
                nt::FILE_OPEN,
                0,
                std::ptr::null_mut(),
                0,
            )
        };
        assert_eq!(status, nt::STATUS_SUCCESS);
        assert_eq!(iosb.Information, 1, "FILE_OPENED");
        let file = handle as u64;
        assert_eq!(read(file, 5, None).0, nt::STATUS_INVALID_PARAMETER);
        assert_eq!(
            read(file, 5, Some(1)),
            (nt::STATUS_SUCCESS, 4, b"ello".to_vec())
        );
        // SAFETY: our kernel handle.
        assert_eq!(unsafe { ntmodel::ZwClose(handle) }, nt::STATUS_SUCCESS);
        let units: Vec<u16> = "\\??\\C:\\data\\missing.txt".encode_utf16().collect();
        let mut missing = nt::UNICODE_STRING {
            Length: u16::try_from(units.len() * 2).unwrap_or(0),
            MaximumLength: 0,
            Buffer: units.as_ptr().cast_mut(),
        };
        attributes.ObjectName = &raw mut missing;
        // SAFETY: valid pointers.
        let status = unsafe {
            ntmodel::ZwCreateFile(
                &raw mut handle,
                nt::FILE_READ_DATA,
                &raw mut attributes,
                &raw mut iosb,
                std::ptr::null_mut(),
                0,
                0,
                nt::FILE_OPEN,
                0,
                std::ptr::null_mut(),
                0,
            )
        };
        assert_eq!(status, nt::STATUS_OBJECT_NAME_NOT_FOUND);
    });
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
    ] {
        assert!(names.contains(&name), "{name}");
    }
    assert_eq!(names.len(), 45);
}
