//! Conformance of the other object kinds a driver meets in handles: files (and what
//! `CreateFileW` asks for), registry keys, symbolic links, object directories and sections.
//! Each test is named for the NT rule it checks: the type object a handle is referenced as,
//! the generic mapping of the type, and how the object is opened.
mod common;

use common::test_driver::{DriverEntry, LINK_NAME};
use common::{reference_as_user, zw_create_file};
use nt_bindings as nt;
use ntmodel::constants::{
    DIRECTORY_QUERY, DIRECTORY_TRAVERSE, KEY_READ, SECTION_MAP_WRITE, STATUS_INVALID_PARAMETER_4,
    SYMBOLIC_LINK_QUERY,
};
use ntmodel::{FileOpen, FileSecurity, Kernel, PreviousMode, User};

const READ_CONTROL: u32 = nt::READ_CONTROL;
const FILE: &str = r"\??\C:\data\a.txt";
const KEY: &str = r"\Registry\Machine\Software\ModelTest";

fn kernel_with_a_file() -> (Kernel, ntmodel::Process) {
    let k = Kernel::new();
    k.add_file(FILE, b"content", &FileSecurity::readable_by(&["alice"]));
    let alice = k.create_process("app.exe", User::new("alice"));
    (k, alice)
}

#[test]
fn createfilew_adds_synchronize_and_read_attributes_to_the_access_asked_for() {
    let (k, alice) = kernel_with_a_file();
    let file = alice
        .open_file(FILE, nt::FILE_READ_DATA, FileOpen::Synchronous)
        .expect("readable");
    assert_eq!(
        alice.granted_access(file),
        Some(nt::FILE_READ_DATA | nt::SYNCHRONIZE | nt::FILE_READ_ATTRIBUTES)
    );
    let overlapped = alice
        .open_file(FILE, nt::FILE_READ_DATA, FileOpen::Asynchronous)
        .expect("readable");
    assert_eq!(
        alice.granted_access(overlapped),
        Some(nt::FILE_READ_DATA | nt::SYNCHRONIZE | nt::FILE_READ_ATTRIBUTES)
    );
    let exact = alice
        .nt_create_file(FILE, nt::FILE_READ_DATA, FileOpen::Asynchronous)
        .expect("readable");
    assert_eq!(alice.granted_access(exact), Some(nt::FILE_READ_DATA));
    k.check_no_stop();
}

#[test]
fn a_synchronous_open_without_synchronize_is_an_invalid_parameter() {
    let (k, alice) = kernel_with_a_file();
    for access in [nt::FILE_READ_DATA, nt::GENERIC_READ] {
        assert_eq!(
            alice.nt_create_file(FILE, access, FileOpen::Synchronous),
            Err(nt::STATUS_INVALID_PARAMETER),
            "{access:#x}"
        );
    }
    let file = alice
        .nt_create_file(
            FILE,
            nt::GENERIC_READ | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("with SYNCHRONIZE");
    assert_eq!(alice.granted_access(file), Some(nt::FILE_GENERIC_READ));
    // A kernel-mode caller's parameters are trusted: ZwCreateFile does not check it.
    let system = k.system();
    let (status, handle) = k.run_in(&system, PreviousMode::KernelMode, || {
        let mut name = common::wdm::unicode(FILE);
        let mut attributes = nt::OBJECT_ATTRIBUTES {
            Length: u32::try_from(size_of::<nt::OBJECT_ATTRIBUTES>()).expect("fits"),
            ObjectName: &raw mut name.string,
            Attributes: nt::OBJ_KERNEL_HANDLE,
            ..Default::default()
        };
        zw_create_file(
            &mut attributes,
            nt::FILE_READ_DATA,
            nt::FILE_SYNCHRONOUS_IO_NONALERT | nt::FILE_NON_DIRECTORY_FILE,
        )
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    // SAFETY: the kernel handle just created.
    let closed = k.run_in(&system, PreviousMode::KernelMode, || unsafe {
        ntmodel::ZwClose(handle as nt::HANDLE)
    });
    assert_eq!(closed, nt::STATUS_SUCCESS);
    k.check_no_stop();
}

#[test]
fn a_file_handle_is_referenced_only_as_io_file_object_type() {
    let (k, alice) = kernel_with_a_file();
    let file = alice
        .open_file(FILE, nt::GENERIC_READ, FileOpen::Synchronous)
        .expect("readable");
    assert_eq!(alice.granted_access(file), Some(nt::FILE_GENERIC_READ));
    assert_eq!(k.object_type_of(&alice, file), Some("File"));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            file,
            nt::FILE_READ_DATA,
            ntmodel::IoFileObjectType.get()
        ),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            file,
            nt::SYNCHRONIZE,
            ntmodel::ExEventObjectType.get()
        ),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    k.check_no_stop();
}

#[test]
fn a_key_is_a_cm_key_object_and_generic_read_on_it_maps_to_key_read() {
    let k = Kernel::new();
    k.create_registry_key(KEY);
    let alice = k.create_process("app.exe", User::new("alice"));
    let key = alice.open_key(KEY, nt::GENERIC_READ).expect("exists");
    assert_eq!(alice.granted_access(key), Some(KEY_READ));
    assert_eq!(k.object_type_of(&alice, key), Some("Key"));
    assert_eq!(k.object_name_of(&alice, key).as_deref(), Some(KEY));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            key,
            nt::KEY_QUERY_VALUE,
            ntmodel::CmKeyObjectType.get()
        ),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        reference_as_user(&k, &alice, key, 0, ntmodel::ExEventObjectType.get()),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    assert_eq!(
        alice.wait(key),
        Err(nt::STATUS_ACCESS_DENIED),
        "KEY_READ has no SYNCHRONIZE"
    );
    assert_eq!(
        alice.open_key(r"\Registry\Machine\Software\Missing", nt::GENERIC_READ),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    k.check_no_stop();
}

#[test]
fn a_symbolic_link_maps_generic_read_to_query_and_its_object_outlives_its_name() {
    let k = Kernel::new();
    assert_eq!(
        k.load_driver_as("modeltest", DriverEntry),
        nt::STATUS_SUCCESS
    );
    let alice = k.create_process("app.exe", User::new("alice"));
    let link = alice
        .open_symbolic_link(r"\??\ModelTest", nt::GENERIC_READ)
        .expect("the driver's link");
    assert_eq!(
        alice.granted_access(link),
        Some(READ_CONTROL | SYMBOLIC_LINK_QUERY)
    );
    assert_eq!(k.object_type_of(&alice, link), Some("SymbolicLink"));
    assert_eq!(k.object_name_of(&alice, link).as_deref(), Some(LINK_NAME));
    assert_eq!(
        alice
            .open_symbolic_link(r"\GLOBAL??\ModelTest", 0)
            .map(|h| k.object_of(&alice, h)),
        Ok(k.object_of(&alice, link))
    );
    assert_eq!(
        reference_as_user(&k, &alice, link, 0, ntmodel::ExEventObjectType.get()),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    let object = k.object_of(&alice, link).expect("object");
    assert_eq!(k.unload_driver(), Ok(()), "IoDeleteSymbolicLink ran");
    assert_eq!(k.symbolic_link(LINK_NAME), None);
    assert!(!k.is_deleted(object), "the handle keeps the link object");
    alice.exit();
    assert!(k.is_deleted(object));
    assert_eq!(
        alice.open_symbolic_link(r"\??\ModelTest", 0),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    k.check_no_stop();
}

#[test]
fn an_object_directory_maps_generic_read_to_query_and_traverse() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let device = alice
        .open_directory(r"\Device", nt::GENERIC_READ)
        .expect("exists");
    assert_eq!(
        alice.granted_access(device),
        Some(READ_CONTROL | DIRECTORY_QUERY | DIRECTORY_TRAVERSE)
    );
    assert_eq!(k.object_type_of(&alice, device), Some("Directory"));
    let global = alice.open_directory(r"\GLOBAL??", 0).expect("exists");
    let dos = alice.open_directory(r"\??", 0).expect("the same directory");
    assert_eq!(k.object_of(&alice, global), k.object_of(&alice, dos));
    assert_eq!(
        alice.open_directory(r"\NoSuchDirectory", 0),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    assert_eq!(
        reference_as_user(&k, &alice, device, 0, ntmodel::ExEventObjectType.get()),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    k.check_no_stop();
}

#[test]
fn a_section_is_a_section_object_and_generic_write_on_it_maps_to_section_map_write() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let section = alice
        .create_section(nt::GENERIC_WRITE, 4096)
        .expect("created");
    assert_eq!(
        alice.granted_access(section),
        Some(READ_CONTROL | SECTION_MAP_WRITE)
    );
    assert_eq!(k.object_type_of(&alice, section), Some("Section"));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            section,
            SECTION_MAP_WRITE,
            ntmodel::MmSectionObjectType.get()
        ),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        reference_as_user(&k, &alice, section, 0, ntmodel::IoFileObjectType.get()),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    assert_eq!(
        alice.create_section(nt::GENERIC_READ, 0),
        Err(STATUS_INVALID_PARAMETER_4)
    );
    k.check_no_stop();
}
