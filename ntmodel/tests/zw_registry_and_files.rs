//! The registry and the file namespace through the `Zw` routines: `ZwOpenKey` /
//! `ZwQueryValueKey`, `ZwCreateFile` / `ZwReadFile` / `ZwQueryInformationFile`.
mod common;

use nt_bindings as nt;
use ntmodel::{FileOpen, FileSecurity, Kernel, PreviousMode, User, codes};

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
