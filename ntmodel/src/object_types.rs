//! Object types: one type object per kind of object the model knows, with its name and its
//! generic mapping. The ones ntoskrnl exports as data are defined in the export list
//! (`crate::exports`) from [`ObjectTypeExport::of`].
use crate::consts::{
    EVENT_ALL_ACCESS, KEY_ALL_ACCESS, KEY_WRITE, PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS,
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
}

/// What an `OBJECT_TYPE` pointer points to in the model.
pub struct ObjectTypeInfo {
    /// The type's name, as `!object` would print it.
    pub name: &'static str,
    /// `GENERIC_READ`, `GENERIC_WRITE`, `GENERIC_EXECUTE`, `GENERIC_ALL` mapped to specific rights.
    pub mapping: nt::GENERIC_MAPPING,
}

const fn mapping(read: u32, write: u32, execute: u32, all: u32) -> nt::GENERIC_MAPPING {
    nt::GENERIC_MAPPING {
        GenericRead: read,
        GenericWrite: write,
        GenericExecute: execute,
        GenericAll: all,
    }
}

static PROCESS_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Process",
    mapping: mapping(0x0002_0410, 0x0002_0BEA, 0x0012_1000, PROCESS_ALL_ACCESS),
};
static THREAD_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Thread",
    mapping: mapping(0x0002_0048, 0x0002_0037, 0x0012_1800, THREAD_ALL_ACCESS),
};
static EVENT_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Event",
    mapping: mapping(
        nt::STANDARD_RIGHTS_READ | nt::EVENT_QUERY_STATE,
        nt::STANDARD_RIGHTS_WRITE | nt::EVENT_MODIFY_STATE,
        nt::STANDARD_RIGHTS_EXECUTE | nt::SYNCHRONIZE,
        EVENT_ALL_ACCESS,
    ),
};
static FILE_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "File",
    mapping: mapping(
        nt::FILE_GENERIC_READ,
        nt::FILE_GENERIC_WRITE,
        nt::FILE_GENERIC_EXECUTE,
        nt::FILE_ALL_ACCESS,
    ),
};
static KEY_TYPE: ObjectTypeInfo = ObjectTypeInfo {
    name: "Key",
    mapping: mapping(nt::KEY_READ, KEY_WRITE, nt::KEY_READ, KEY_ALL_ACCESS),
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
    /// The type's descriptor.
    #[must_use]
    pub const fn info(self) -> &'static ObjectTypeInfo {
        match self {
            Self::Process => &PROCESS_TYPE,
            Self::Thread => &THREAD_TYPE,
            Self::Event => &EVENT_TYPE,
            Self::File => &FILE_TYPE,
            Self::Key => &KEY_TYPE,
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
        [
            Self::Process,
            Self::Thread,
            Self::Event,
            Self::File,
            Self::Key,
        ]
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
