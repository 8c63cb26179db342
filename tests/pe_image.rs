//! Checks the cross-built, test-signed `package/handleguard.sys` (scripts/cross-build.sh) the
//! way a loader and a reviewer would. The tests are `#[ignore]`d, so that a tree without the
//! image lists them as ignored rather than passed; CI builds the image and runs them with
//! `--include-ignored`, and then a missing image fails them.
//!
//! The import allow-list is [`MODEL_EXPORTS`]: every routine the driver may import, each
//! named through the model kernel's own definition, so the table does not compile unless the
//! model implements it. An import outside it is either not allowed or not modelled: both fail.
use object::LittleEndian as LE;
use object::pe;
use object::read::pe::{ImageNtHeaders, PeFile64};
use std::path::PathBuf;

macro_rules! model_exports {
    ($($name:ident),* $(,)?) => {
        /// Every ntoskrnl routine the driver may import; each must exist on Windows 10
        /// (1507+) and in the model. `ExAllocatePool2` is deliberately absent: it is resolved
        /// at run time.
        fn model_exports() -> Vec<(&'static str, usize)> {
            vec![$((stringify!($name), ntmodel::$name as *const () as usize)),*]
        }
    };
}

model_exports!(
    DbgPrint,
    ExAllocatePoolWithTag,
    ExAllocatePoolWithQuotaTag,
    ExFreePoolWithTag,
    MmGetSystemRoutineAddress,
    KeBugCheckEx,
    IoCreateDevice,
    IoDeleteDevice,
    IoCreateSymbolicLink,
    IoDeleteSymbolicLink,
    IoCreateFile,
    IofCompleteRequest,
    IoGetCurrentProcess,
    IoGetRequestorProcess,
    IoIs32bitProcess,
    IoAcquireCancelSpinLock,
    IoReleaseCancelSpinLock,
    ObReferenceObjectByHandle,
    ObReferenceObjectByPointer,
    ObfReferenceObject,
    ObfDereferenceObject,
    ObOpenObjectByPointer,
    ObSetSecurityObjectByPointer,
    ZwClose,
    ZwCreateEvent,
    ZwReadFile,
    ZwQueryInformationFile,
    ZwOpenKey,
    ZwQueryValueKey,
    KeInitializeEvent,
    KeSetEvent,
    KeClearEvent,
    KeReadStateEvent,
    KeInitializeTimerEx,
    KeSetTimer,
    KeCancelTimer,
    KeInitializeDpc,
    KeFlushQueuedDpcs,
    KeAcquireSpinLockRaiseToDpc,
    KeReleaseSpinLock,
);

/// Data the driver may import (object types), also defined by the model.
fn model_data_exports() -> [(&'static str, usize); 2] {
    [
        (
            "ExEventObjectType",
            std::ptr::addr_of!(ntmodel::ExEventObjectType) as usize,
        ),
        (
            "IoFileObjectType",
            std::ptr::addr_of!(ntmodel::IoFileObjectType) as usize,
        ),
    ]
}

fn image() -> Vec<u8> {
    let path = std::env::var_os("HANDLEGUARD_SYS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("package/handleguard.sys"),
        PathBuf::from,
    );
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{} ({error}): run scripts/cross-build.sh first",
            path.display()
        )
    })
}

/// The PE checksum: 16-bit one's-complement sum of the image with the checksum field
/// skipped, plus the file length.
fn pe_checksum(bytes: &[u8], checksum_offset: usize) -> u32 {
    let mut sum: u64 = 0;
    for (index, chunk) in bytes.chunks(2).enumerate() {
        let offset = index * 2;
        if offset == checksum_offset || offset == checksum_offset + 2 {
            continue;
        }
        let word = u64::from(chunk[0]) | chunk.get(1).map_or(0, |&high| u64::from(high) << 8);
        sum += word;
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum = (sum & 0xFFFF) + (sum >> 16);
    u32::try_from(sum).expect("16 bits") + u32::try_from(bytes.len()).expect("small image")
}

#[test]
#[ignore = "needs package/handleguard.sys: run scripts/cross-build.sh, then cargo test -- --include-ignored"]
fn the_cross_built_driver_is_a_valid_kernel_image() {
    let bytes = image();
    let file = PeFile64::parse(&*bytes).expect("a PE32+ image");
    let nt = file.nt_headers();
    let header = nt.file_header();
    let optional = nt.optional_header();

    assert_eq!(
        header.machine.get(LE),
        pe::IMAGE_FILE_MACHINE_AMD64,
        "machine"
    );
    assert_eq!(
        optional.magic.get(LE),
        pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC,
        "PE32+"
    );
    assert_eq!(
        optional.subsystem.get(LE),
        pe::IMAGE_SUBSYSTEM_NATIVE,
        "subsystem NATIVE"
    );

    let characteristics = optional.dll_characteristics.get(LE);
    assert_ne!(
        characteristics & pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE,
        0,
        "DYNAMIC_BASE"
    );
    assert_ne!(
        characteristics & pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
        0,
        "NX_COMPAT"
    );

    // The entry point is DriverEntry, found through the export the cdylib carries.
    let exports = file.export_table().expect("export table").expect("exports");
    let driver_entry = exports
        .exports()
        .expect("exports")
        .into_iter()
        .find(|export| export.name == Some(b"DriverEntry".as_slice()))
        .expect("DriverEntry is exported");
    let entry_rva = optional.address_of_entry_point.get(LE);
    match driver_entry.target {
        object::read::pe::ExportTarget::Address(rva) => {
            assert_eq!(entry_rva, rva, "entry point = DriverEntry");
        }
        other => panic!("DriverEntry is a forwarder: {other:?}"),
    }

    // Checksum: the loader refuses a driver whose checksum is wrong.
    let dos = pe::ImageDosHeader::parse(&*bytes).expect("DOS header");
    let checksum_offset =
        dos.nt_headers_offset() as usize + 4 + std::mem::size_of::<pe::ImageFileHeader>() + 64;
    assert_eq!(
        optional.check_sum.get(LE),
        pe_checksum(&bytes, checksum_offset),
        "PE checksum"
    );

    println!("handleguard.sys: {} bytes; sections:", bytes.len());
    for section in file.section_table().iter() {
        let flags = section.characteristics.get(LE);
        let name = String::from_utf8_lossy(section.raw_name())
            .trim_end_matches('\0')
            .to_owned();
        println!(
            "  {name:<8} virtual {:>6} raw {:>6} flags {flags:#010x}",
            section.virtual_size.get(LE),
            section.size_of_raw_data.get(LE)
        );
        let writable = flags & pe::IMAGE_SCN_MEM_WRITE != 0;
        let executable = flags & pe::IMAGE_SCN_MEM_EXECUTE != 0;
        assert!(
            !(writable && executable),
            "section {name} is both writable and executable"
        );
    }

    let security = file
        .data_directories()
        .get(pe::IMAGE_DIRECTORY_ENTRY_SECURITY)
        .map(|directory| directory.size.get(LE));
    assert!(
        security.is_some_and(|size| size > 0),
        "an embedded (test) signature"
    );
}

#[test]
#[ignore = "needs package/handleguard.sys: run scripts/cross-build.sh, then cargo test -- --include-ignored"]
fn every_import_is_from_ntoskrnl_allowed_and_implemented_by_the_model() {
    let bytes = image();
    let file = PeFile64::parse(&*bytes).expect("a PE32+ image");
    let imports = file.import_table().expect("import table").expect("imports");
    let mut descriptors = imports.descriptors().expect("descriptors");
    let data = model_data_exports();
    let functions = model_exports();
    let allowed = |name: &str| {
        functions
            .iter()
            .any(|(export, address)| *export == name && *address != 0)
            || data
                .iter()
                .any(|(export, address)| *export == name && *address != 0)
    };
    let mut names = Vec::new();
    while let Some(descriptor) = descriptors.next().expect("descriptor") {
        let library = String::from_utf8_lossy(imports.name(descriptor.name.get(LE)).expect("name"))
            .into_owned();
        assert_eq!(
            library.to_ascii_lowercase(),
            "ntoskrnl.exe",
            "only ntoskrnl.exe may be imported"
        );
        let mut thunks = imports
            .thunks(descriptor.original_first_thunk.get(LE))
            .expect("thunks");
        while let Some(thunk) = thunks.next::<pe::ImageNtHeaders64>().expect("thunk") {
            let import = imports
                .import::<pe::ImageNtHeaders64>(thunk)
                .expect("import");
            let object::read::pe::Import::Name(_, name) = import else {
                panic!("import by ordinal")
            };
            let name = String::from_utf8_lossy(name).into_owned();
            assert!(
                allowed(&name),
                "{name} is imported but not on the allow-list / not in the model"
            );
            names.push(name);
        }
    }
    println!(
        "{} imports from ntoskrnl.exe: {}",
        names.len(),
        names.join(" ")
    );
    assert!(names.iter().any(|name| name == "ObReferenceObjectByHandle"));
}
