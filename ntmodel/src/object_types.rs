//! Object types: one type object per kind of object the model knows, with its name, its
//! generic mapping (`GENERIC_*` to the type's specific rights) and the names of its specific
//! rights. The ones ntoskrnl exports as data (`ExEventObjectType`, `CmKeyObjectType`, ...) are
//! defined in the export list (`crate::exports`) from [`ObjectTypeExport::of`].
//!
//! Mappings: Event, Semaphore, Timer, SymbolicLink, Directory, Section and Key as ReactOS
//! defines them (`ExpEventMapping`, `ExSemaphoreMapping`, `ExpTimerMapping`,
//! `ObpSymbolicLinkMapping`, `ObpDirectoryMapping`, `MmpSectionMapping`, `CmpKeyMapping`);
//! File is `FILE_GENERIC_*` (Microsoft's File Security and Access Rights); Process and Thread
//! are Windows 10's; Mutant gives `SYNCHRONIZE` through `GENERIC_EXECUTE` only, like every
//! other dispatcher type (ReactOS also adds it to `GENERIC_READ` and `GENERIC_WRITE`).
use crate::rights::{
    DIRECTORY_ALL_ACCESS, DIRECTORY_CREATE_OBJECT, DIRECTORY_CREATE_SUBDIRECTORY, DIRECTORY_QUERY,
    DIRECTORY_TRAVERSE, EVENT_ALL_ACCESS, EVENT_MODIFY_STATE, EVENT_QUERY_STATE, FILE_APPEND_DATA,
    FILE_DELETE_CHILD, FILE_EXECUTE, FILE_READ_ATTRIBUTES, FILE_READ_DATA, FILE_READ_EA,
    FILE_WRITE_ATTRIBUTES, FILE_WRITE_DATA, FILE_WRITE_EA, KEY_ALL_ACCESS, KEY_CREATE_LINK,
    KEY_CREATE_SUB_KEY, KEY_ENUMERATE_SUB_KEYS, KEY_EXECUTE, KEY_NOTIFY, KEY_QUERY_VALUE, KEY_READ,
    KEY_SET_VALUE, KEY_WRITE, MUTANT_ALL_ACCESS, MUTANT_QUERY_STATE, PROCESS_ALL_ACCESS,
    PROCESS_CREATE_PROCESS, PROCESS_CREATE_THREAD, PROCESS_DUP_HANDLE, PROCESS_QUERY_INFORMATION,
    PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SET_INFORMATION, PROCESS_SET_LIMITED_INFORMATION,
    PROCESS_SET_QUOTA, PROCESS_SET_SESSIONID, PROCESS_SUSPEND_RESUME, PROCESS_TERMINATE,
    PROCESS_VM_OPERATION, PROCESS_VM_READ, PROCESS_VM_WRITE, SECTION_ALL_ACCESS,
    SECTION_EXTEND_SIZE, SECTION_MAP_EXECUTE, SECTION_MAP_READ, SECTION_MAP_WRITE, SECTION_QUERY,
    SEMAPHORE_ALL_ACCESS, SEMAPHORE_MODIFY_STATE, SEMAPHORE_QUERY_STATE, SYMBOLIC_LINK_ALL_ACCESS,
    SYMBOLIC_LINK_QUERY, THREAD_ALERT, THREAD_ALL_ACCESS, THREAD_DIRECT_IMPERSONATION,
    THREAD_GET_CONTEXT, THREAD_IMPERSONATE, THREAD_QUERY_INFORMATION,
    THREAD_QUERY_LIMITED_INFORMATION, THREAD_RESUME, THREAD_SET_CONTEXT, THREAD_SET_INFORMATION,
    THREAD_SET_LIMITED_INFORMATION, THREAD_SET_THREAD_TOKEN, THREAD_SUSPEND_RESUME,
    THREAD_TERMINATE, TIMER_ALL_ACCESS, TIMER_MODIFY_STATE, TIMER_QUERY_STATE,
};
use nt_bindings as nt;

/// The kinds of object the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `PsProcessType`.
    Process,
    /// `PsThreadType`.
    Thread,
    /// `ExEventObjectType`.
    Event,
    /// `IoFileObjectType`.
    File,
    /// `CmKeyObjectType`.
    Key,
    /// `ExSemaphoreObjectType`.
    Semaphore,
    /// The mutant type (not exported).
    Mutant,
    /// The timer type (not exported).
    Timer,
    /// The symbolic link type (not exported).
    SymbolicLink,
    /// The object directory type (not exported).
    Directory,
    /// `MmSectionObjectType`.
    Section,
}

/// What an `OBJECT_TYPE` pointer points to in the model.
pub struct ObjectTypeInfo {
    /// The type's name, as `!object` would print it.
    pub name: &'static str,
    /// The data export holding it, if ntoskrnl exports one.
    pub export: Option<&'static str>,
    /// `GENERIC_READ`, `GENERIC_WRITE`, `GENERIC_EXECUTE`, `GENERIC_ALL` mapped to specific rights.
    pub mapping: nt::GENERIC_MAPPING,
    /// The type's specific rights by name (for rendering access masks).
    pub rights: &'static [(&'static str, u32)],
}

const fn mapping(read: u32, write: u32, execute: u32, all: u32) -> nt::GENERIC_MAPPING {
    nt::GENERIC_MAPPING {
        GenericRead: read,
        GenericWrite: write,
        GenericExecute: execute,
        GenericAll: all,
    }
}

const READ: u32 = nt::STANDARD_RIGHTS_READ;
const WRITE: u32 = nt::STANDARD_RIGHTS_WRITE;
const EXECUTE: u32 = nt::STANDARD_RIGHTS_EXECUTE;
const SYNCHRONIZE: u32 = nt::SYNCHRONIZE;

static PROCESS_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Process",
    export: Some("PsProcessType"),
    mapping: mapping(
        READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
        WRITE
            | PROCESS_CREATE_THREAD
            | PROCESS_VM_OPERATION
            | PROCESS_VM_WRITE
            | PROCESS_DUP_HANDLE
            | PROCESS_CREATE_PROCESS
            | PROCESS_SET_QUOTA
            | PROCESS_SET_INFORMATION
            | PROCESS_SUSPEND_RESUME,
        EXECUTE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
        PROCESS_ALL_ACCESS,
    ),
    rights: &[
        ("PROCESS_TERMINATE", PROCESS_TERMINATE),
        ("PROCESS_CREATE_THREAD", PROCESS_CREATE_THREAD),
        ("PROCESS_SET_SESSIONID", PROCESS_SET_SESSIONID),
        ("PROCESS_VM_OPERATION", PROCESS_VM_OPERATION),
        ("PROCESS_VM_READ", PROCESS_VM_READ),
        ("PROCESS_VM_WRITE", PROCESS_VM_WRITE),
        ("PROCESS_DUP_HANDLE", PROCESS_DUP_HANDLE),
        ("PROCESS_CREATE_PROCESS", PROCESS_CREATE_PROCESS),
        ("PROCESS_SET_QUOTA", PROCESS_SET_QUOTA),
        ("PROCESS_SET_INFORMATION", PROCESS_SET_INFORMATION),
        ("PROCESS_QUERY_INFORMATION", PROCESS_QUERY_INFORMATION),
        ("PROCESS_SUSPEND_RESUME", PROCESS_SUSPEND_RESUME),
        (
            "PROCESS_QUERY_LIMITED_INFORMATION",
            PROCESS_QUERY_LIMITED_INFORMATION,
        ),
        (
            "PROCESS_SET_LIMITED_INFORMATION",
            PROCESS_SET_LIMITED_INFORMATION,
        ),
    ],
};
static THREAD_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Thread",
    export: Some("PsThreadType"),
    mapping: mapping(
        READ | THREAD_GET_CONTEXT | THREAD_QUERY_INFORMATION,
        WRITE
            | THREAD_TERMINATE
            | THREAD_SUSPEND_RESUME
            | THREAD_ALERT
            | THREAD_SET_CONTEXT
            | THREAD_SET_INFORMATION,
        EXECUTE | SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION | THREAD_RESUME,
        THREAD_ALL_ACCESS,
    ),
    rights: &[
        ("THREAD_TERMINATE", THREAD_TERMINATE),
        ("THREAD_SUSPEND_RESUME", THREAD_SUSPEND_RESUME),
        ("THREAD_ALERT", THREAD_ALERT),
        ("THREAD_GET_CONTEXT", THREAD_GET_CONTEXT),
        ("THREAD_SET_CONTEXT", THREAD_SET_CONTEXT),
        ("THREAD_SET_INFORMATION", THREAD_SET_INFORMATION),
        ("THREAD_QUERY_INFORMATION", THREAD_QUERY_INFORMATION),
        ("THREAD_SET_THREAD_TOKEN", THREAD_SET_THREAD_TOKEN),
        ("THREAD_IMPERSONATE", THREAD_IMPERSONATE),
        ("THREAD_DIRECT_IMPERSONATION", THREAD_DIRECT_IMPERSONATION),
        (
            "THREAD_SET_LIMITED_INFORMATION",
            THREAD_SET_LIMITED_INFORMATION,
        ),
        (
            "THREAD_QUERY_LIMITED_INFORMATION",
            THREAD_QUERY_LIMITED_INFORMATION,
        ),
        ("THREAD_RESUME", THREAD_RESUME),
    ],
};
static EVENT_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Event",
    export: Some("ExEventObjectType"),
    mapping: mapping(
        READ | EVENT_QUERY_STATE,
        WRITE | EVENT_MODIFY_STATE,
        EXECUTE | SYNCHRONIZE,
        EVENT_ALL_ACCESS,
    ),
    rights: &[
        ("EVENT_QUERY_STATE", EVENT_QUERY_STATE),
        ("EVENT_MODIFY_STATE", EVENT_MODIFY_STATE),
    ],
};
static FILE_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "File",
    export: Some("IoFileObjectType"),
    mapping: mapping(
        nt::FILE_GENERIC_READ,
        nt::FILE_GENERIC_WRITE,
        nt::FILE_GENERIC_EXECUTE,
        nt::FILE_ALL_ACCESS,
    ),
    rights: &[
        ("FILE_READ_DATA", FILE_READ_DATA),
        ("FILE_WRITE_DATA", FILE_WRITE_DATA),
        ("FILE_APPEND_DATA", FILE_APPEND_DATA),
        ("FILE_READ_EA", FILE_READ_EA),
        ("FILE_WRITE_EA", FILE_WRITE_EA),
        ("FILE_EXECUTE", FILE_EXECUTE),
        ("FILE_DELETE_CHILD", FILE_DELETE_CHILD),
        ("FILE_READ_ATTRIBUTES", FILE_READ_ATTRIBUTES),
        ("FILE_WRITE_ATTRIBUTES", FILE_WRITE_ATTRIBUTES),
    ],
};
static KEY_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Key",
    export: Some("CmKeyObjectType"),
    mapping: mapping(KEY_READ, KEY_WRITE, KEY_EXECUTE, KEY_ALL_ACCESS),
    rights: &[
        ("KEY_QUERY_VALUE", KEY_QUERY_VALUE),
        ("KEY_SET_VALUE", KEY_SET_VALUE),
        ("KEY_CREATE_SUB_KEY", KEY_CREATE_SUB_KEY),
        ("KEY_ENUMERATE_SUB_KEYS", KEY_ENUMERATE_SUB_KEYS),
        ("KEY_NOTIFY", KEY_NOTIFY),
        ("KEY_CREATE_LINK", KEY_CREATE_LINK),
    ],
};
static SEMAPHORE_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Semaphore",
    export: Some("ExSemaphoreObjectType"),
    mapping: mapping(
        READ | SEMAPHORE_QUERY_STATE,
        WRITE | SEMAPHORE_MODIFY_STATE,
        EXECUTE | SYNCHRONIZE,
        SEMAPHORE_ALL_ACCESS,
    ),
    rights: &[
        ("SEMAPHORE_QUERY_STATE", SEMAPHORE_QUERY_STATE),
        ("SEMAPHORE_MODIFY_STATE", SEMAPHORE_MODIFY_STATE),
    ],
};
static MUTANT_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Mutant",
    export: None,
    mapping: mapping(
        READ | MUTANT_QUERY_STATE,
        WRITE,
        EXECUTE | SYNCHRONIZE,
        MUTANT_ALL_ACCESS,
    ),
    rights: &[("MUTANT_QUERY_STATE", MUTANT_QUERY_STATE)],
};
static TIMER_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Timer",
    export: None,
    mapping: mapping(
        READ | TIMER_QUERY_STATE,
        WRITE | TIMER_MODIFY_STATE,
        EXECUTE | SYNCHRONIZE,
        TIMER_ALL_ACCESS,
    ),
    rights: &[
        ("TIMER_QUERY_STATE", TIMER_QUERY_STATE),
        ("TIMER_MODIFY_STATE", TIMER_MODIFY_STATE),
    ],
};
static SYMBOLIC_LINK_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "SymbolicLink",
    export: None,
    mapping: mapping(
        READ | SYMBOLIC_LINK_QUERY,
        WRITE,
        EXECUTE | SYMBOLIC_LINK_QUERY,
        SYMBOLIC_LINK_ALL_ACCESS,
    ),
    rights: &[("SYMBOLIC_LINK_QUERY", SYMBOLIC_LINK_QUERY)],
};
static DIRECTORY_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Directory",
    export: None,
    mapping: mapping(
        READ | DIRECTORY_QUERY | DIRECTORY_TRAVERSE,
        WRITE | DIRECTORY_CREATE_OBJECT | DIRECTORY_CREATE_SUBDIRECTORY,
        EXECUTE | DIRECTORY_QUERY | DIRECTORY_TRAVERSE,
        DIRECTORY_ALL_ACCESS,
    ),
    rights: &[
        ("DIRECTORY_QUERY", DIRECTORY_QUERY),
        ("DIRECTORY_TRAVERSE", DIRECTORY_TRAVERSE),
        ("DIRECTORY_CREATE_OBJECT", DIRECTORY_CREATE_OBJECT),
        (
            "DIRECTORY_CREATE_SUBDIRECTORY",
            DIRECTORY_CREATE_SUBDIRECTORY,
        ),
    ],
};
static SECTION_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Section",
    export: Some("MmSectionObjectType"),
    mapping: mapping(
        READ | SECTION_MAP_READ | SECTION_QUERY,
        WRITE | SECTION_MAP_WRITE,
        EXECUTE | SECTION_MAP_EXECUTE,
        SECTION_ALL_ACCESS,
    ),
    rights: &[
        ("SECTION_QUERY", SECTION_QUERY),
        ("SECTION_MAP_WRITE", SECTION_MAP_WRITE),
        ("SECTION_MAP_READ", SECTION_MAP_READ),
        ("SECTION_MAP_EXECUTE", SECTION_MAP_EXECUTE),
        ("SECTION_EXTEND_SIZE", SECTION_EXTEND_SIZE),
    ],
};

/// A `POBJECT_TYPE` as an exported data symbol.
#[repr(transparent)]
pub struct ObjectTypeExport(nt::POBJECT_TYPE);

// SAFETY: the pointer is to an immutable static; sharing it between threads is fine.
unsafe impl Sync for ObjectTypeExport {}

impl ObjectTypeExport {
    /// The export of `kind`'s type object.
    #[must_use]
    pub const fn of(kind: ObjectKind) -> Self {
        Self(std::ptr::from_ref(kind.info()).cast_mut().cast())
    }

    /// The `POBJECT_TYPE` value.
    #[must_use]
    pub fn get(&self) -> nt::POBJECT_TYPE {
        self.0
    }
}

impl ObjectKind {
    /// Every kind.
    pub const ALL: [Self; 11] = [
        Self::Process,
        Self::Thread,
        Self::Event,
        Self::File,
        Self::Key,
        Self::Semaphore,
        Self::Mutant,
        Self::Timer,
        Self::SymbolicLink,
        Self::Directory,
        Self::Section,
    ];

    /// The type's descriptor.
    #[must_use]
    pub const fn info(self) -> &'static ObjectTypeInfo {
        match self {
            Self::Process => &PROCESS_TYPE,
            Self::Thread => &THREAD_TYPE,
            Self::Event => &EVENT_TYPE,
            Self::File => &FILE_TYPE,
            Self::Key => &KEY_TYPE,
            Self::Semaphore => &SEMAPHORE_TYPE,
            Self::Mutant => &MUTANT_TYPE,
            Self::Timer => &TIMER_TYPE,
            Self::SymbolicLink => &SYMBOLIC_LINK_TYPE,
            Self::Directory => &DIRECTORY_TYPE,
            Self::Section => &SECTION_TYPE,
        }
    }

    /// The `POBJECT_TYPE` of this kind.
    #[must_use]
    pub fn type_pointer(self) -> nt::POBJECT_TYPE {
        std::ptr::from_ref(self.info()).cast_mut().cast()
    }

    /// The kind a `POBJECT_TYPE` names, `None` for NULL or an unknown pointer.
    #[must_use]
    pub fn from_type_pointer(pointer: nt::POBJECT_TYPE) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.type_pointer() == pointer)
    }

    /// Maps generic rights to specific ones (`RtlMapGenericMask`); `MAXIMUM_ALLOWED` is kept.
    #[must_use]
    pub fn map_generic(self, access: u32) -> u32 {
        let mapping = &self.info().mapping;
        let mut mapped = access
            & !(nt::GENERIC_READ | nt::GENERIC_WRITE | nt::GENERIC_EXECUTE | nt::GENERIC_ALL);
        if access & nt::GENERIC_READ != 0 {
            mapped |= mapping.GenericRead;
        }
        if access & nt::GENERIC_WRITE != 0 {
            mapped |= mapping.GenericWrite;
        }
        if access & nt::GENERIC_EXECUTE != 0 {
            mapped |= mapping.GenericExecute;
        }
        if access & nt::GENERIC_ALL != 0 {
            mapped |= mapping.GenericAll;
        }
        mapped
    }

    /// Every specific right of this type.
    #[must_use]
    pub fn all_access(self) -> u32 {
        self.info().mapping.GenericAll
    }
}
