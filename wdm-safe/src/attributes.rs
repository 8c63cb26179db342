//! `OBJECT_ATTRIBUTES` for handles the driver opens for itself. Private to the layer: every
//! value carries `OBJ_KERNEL_HANDLE`, and names that came from a request, and reopens of a
//! user's file, get `OBJ_FORCE_ACCESS_CHECK` (through [`ObjectAttributes::for_requestor`] and
//! [`ObjectAttributes::reopen_for_requestor`]).
use crate::ffi;
use crate::handle::KernelHandle;
use crate::security::SecurityDescriptor;
use crate::unicode::UnicodeStr;
use core::marker::PhantomData;

/// `OBJECT_ATTRIBUTES` with `OBJ_KERNEL_HANDLE` always.
///
/// # Invariants
/// `raw.Attributes` contains `OBJ_KERNEL_HANDLE`; `raw.ObjectName` is NULL or a name that
/// outlives the value; `raw.RootDirectory` is NULL or a kernel handle that outlives it.
pub(crate) struct ObjectAttributes<'name> {
    raw: ffi::OBJECT_ATTRIBUTES,
    _name: PhantomData<&'name mut UnicodeStr<'name>>,
}

impl<'name> ObjectAttributes<'name> {
    /// For a private handle to a name the driver chose: `OBJ_KERNEL_HANDLE |
    /// OBJ_CASE_INSENSITIVE`.
    pub(crate) fn private(name: Option<&'name mut UnicodeStr<'name>>) -> Self {
        Self::with(name, ffi::OBJ_KERNEL_HANDLE | ffi::OBJ_CASE_INSENSITIVE)
    }

    /// For a private handle to a new unnamed object protected by `security`:
    /// `OBJ_KERNEL_HANDLE`, and the descriptor the kernel copies into the object.
    pub(crate) fn private_with_security(security: &'static SecurityDescriptor) -> Self {
        let mut attributes = Self::with(None, ffi::OBJ_KERNEL_HANDLE);
        attributes.raw.SecurityDescriptor = security.as_ptr();
        attributes
    }

    /// For a private handle to a name a request gave: the access check runs against the
    /// caller's token as for a user-mode open (`OBJ_FORCE_ACCESS_CHECK`).
    pub(crate) fn for_requestor(name: &'name mut UnicodeStr<'name>) -> Self {
        Self::with(
            Some(name),
            ffi::OBJ_KERNEL_HANDLE | ffi::OBJ_CASE_INSENSITIVE | ffi::OBJ_FORCE_ACCESS_CHECK,
        )
    }

    /// For a relative open of the file `root` names, with an empty name (a new file object on
    /// the same file, as `ReOpenFile` makes), checked against the caller's token
    /// (`OBJ_FORCE_ACCESS_CHECK`). The root is a kernel handle: the object manager references
    /// it with the access mode of the call (KernelMode), and checks the open with UserMode.
    pub(crate) fn reopen_for_requestor(
        root: &'name KernelHandle,
        empty: &'name mut UnicodeStr<'name>,
    ) -> Self {
        let mut attributes = Self::with(
            Some(empty),
            ffi::OBJ_KERNEL_HANDLE | ffi::OBJ_FORCE_ACCESS_CHECK,
        );
        attributes.raw.RootDirectory = root.raw();
        attributes
    }

    /// `InitializeObjectAttributes(p, name, attributes, NULL, NULL)`.
    fn with(name: Option<&'name mut UnicodeStr<'name>>, attributes: u32) -> Self {
        let name = name.map_or(core::ptr::null_mut(), UnicodeStr::as_ptr);
        // INVARIANT: every caller passes OBJ_KERNEL_HANDLE; the name is borrowed for 'name.
        Self {
            raw: ffi::OBJECT_ATTRIBUTES {
                Length: ffi::typed::size_of::<ffi::OBJECT_ATTRIBUTES>(),
                RootDirectory: core::ptr::null_mut(),
                ObjectName: name,
                Attributes: attributes,
                SecurityDescriptor: core::ptr::null_mut(),
                SecurityQualityOfService: core::ptr::null_mut(),
            },
            _name: PhantomData,
        }
    }

    pub(crate) fn as_ptr(&mut self) -> ffi::POBJECT_ATTRIBUTES {
        &raw mut self.raw
    }
}
