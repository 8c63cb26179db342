//! Handles, split by who they belong to.
//!
//! - [`UserHandle`]: a value from the wire. Untrusted; it becomes an object only through
//!   [`UserHandle::reference`], which takes the IRP and passes `Irp->RequestorMode` itself,
//!   with the object type from `T` and a typed access mask (guidance rule 1). There is no
//!   way to reference it as KernelMode.
//! - [`KernelHandle`]: a handle the driver opened for itself. Every constructor goes through
//!   [`ObjectAttributes`], which always carries `OBJ_KERNEL_HANDLE` (rule 3); opening on a
//!   user's behalf adds `OBJ_FORCE_ACCESS_CHECK` (rule 5). Drop closes it with `ZwClose`.
use super::ffi;
use super::irp::Irp;
use super::object::{Event, File, ObjectRef, ObjectType};
use super::status::{NtResult, NtStatus};
use super::unicode::UnicodeStr;
use core::marker::PhantomData;

/// An access mask that is meaningful for objects of type `T`.
pub struct Access<T> {
    mask: u32,
    _type: PhantomData<T>,
}

impl<T> Clone for Access<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Access<T> {}

impl<T> core::ops::BitOr for Access<T> {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self {
            mask: self.mask | other.mask,
            _type: PhantomData,
        }
    }
}

impl<T> Access<T> {
    const fn new(mask: u32) -> Self {
        Self {
            mask,
            _type: PhantomData,
        }
    }

    /// The raw `ACCESS_MASK`.
    #[must_use]
    pub const fn mask(self) -> u32 {
        self.mask
    }
}

impl Access<Event> {
    /// `SYNCHRONIZE`: wait on the event.
    pub const SYNCHRONIZE: Self = Self::new(ffi::SYNCHRONIZE);
    /// `EVENT_MODIFY_STATE`: set or clear the event.
    pub const MODIFY_STATE: Self = Self::new(ffi::EVENT_MODIFY_STATE);
}

impl Access<File> {
    /// `SYNCHRONIZE`.
    pub const SYNCHRONIZE: Self = Self::new(ffi::SYNCHRONIZE);
    /// `FILE_READ_DATA`.
    pub const READ_DATA: Self = Self::new(ffi::FILE_READ_DATA);
    /// `FILE_READ_ATTRIBUTES`.
    pub const READ_ATTRIBUTES: Self = Self::new(ffi::FILE_READ_ATTRIBUTES);
}

/// Marker for registry keys.
pub enum Key {}

impl Access<Key> {
    /// `KEY_QUERY_VALUE`.
    pub const QUERY_VALUE: Self = Self::new(ffi::KEY_QUERY_VALUE);
}

/// A handle value received from user mode, as it came off the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserHandle(u64);

/// Why a user handle could not become an object reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The request is not being handled in the requesting process's context.
    WrongContext,
    /// `ObReferenceObjectByHandle` failed with this status.
    Status(NtStatus),
}

impl UserHandle {
    /// A handle from a request's wire field. A 32-bit (WOW64) caller's handle is the low
    /// half, sign-extended as WOW64 does (so `-1` stays `NtCurrentProcess()`); a 64-bit
    /// caller's value is taken whole.
    #[must_use]
    pub fn from_wire(value: u64, irp: &Irp) -> Self {
        if irp.is_32bit_requestor() {
            // Truncation to the low 32 bits is the WOW64 handle rule.
            #[allow(clippy::cast_possible_truncation)]
            let low = value as u32;
            Self(i64::from(low.cast_signed()).cast_unsigned())
        } else {
            Self(value)
        }
    }

    /// The value as sent (after WOW64 widening).
    #[must_use]
    pub fn value(self) -> u64 {
        self.0
    }

    /// Whether the value has the shape of a kernel handle (x64: negative, and not one of the
    /// pseudo-handles -1 and -2). Used only to word refusals; the kernel does the check.
    #[must_use]
    pub fn looks_like_kernel_handle(self) -> bool {
        let value = self.0.cast_signed();
        value < -2
    }

    /// References the object the handle names in the requesting process:
    /// `ObReferenceObjectByHandle(handle, access, T's type, Irp->RequestorMode, ...)`.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked first).
    ///
    /// # Errors
    /// [`Refused::WrongContext`] outside the requesting process; `STATUS_INVALID_HANDLE`
    /// for NULL (checked here: Driver Verifier stops a driver that passes NULL on);
    /// otherwise the kernel's status (`STATUS_INVALID_HANDLE`,
    /// `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`, ...).
    pub fn reference<T: ObjectType>(
        self,
        irp: &Irp,
        access: Access<T>,
    ) -> Result<ObjectRef<T>, Refused> {
        if !irp.in_requestor_context() {
            return Err(Refused::WrongContext);
        }
        if self.0 == 0 {
            // The kernel would say STATUS_INVALID_HANDLE too, but Driver Verifier bug checks
            // (C4/0xF5) on a NULL handle passed to ObReferenceObjectByHandle: refuse it here.
            return Err(Refused::Status(NtStatus::INVALID_HANDLE));
        }
        let value =
            usize::try_from(self.0).map_err(|_| Refused::Status(NtStatus::INVALID_HANDLE))?;
        let mut object: ffi::PVOID = core::ptr::null_mut();
        // SAFETY: any handle value is acceptable input (the kernel validates it in the
        // current process's table for RequestorMode); `object` receives the reference.
        let status = unsafe {
            ffi::ObReferenceObjectByHandle(
                value as ffi::HANDLE,
                access.mask(),
                T::object_type(),
                irp.requestor_mode(),
                &raw mut object,
                core::ptr::null_mut(),
            )
        };
        NtStatus::from_raw(status).ok().map_err(Refused::Status)?;
        // SAFETY: on success the kernel handed us one reference on a T object.
        unsafe { ObjectRef::from_referenced(object) }.ok_or(Refused::Status(NtStatus::UNSUCCESSFUL))
    }
}

/// `OBJECT_ATTRIBUTES` for a handle the driver opens for itself: `OBJ_KERNEL_HANDLE` always.
pub struct ObjectAttributes<'name> {
    raw: ffi::OBJECT_ATTRIBUTES,
    _name: PhantomData<&'name mut UnicodeStr<'name>>,
}

/// `InitializeObjectAttributes(p, name, attributes, root, security_descriptor)`.
#[must_use]
pub fn initialize_object_attributes(
    name: ffi::PUNICODE_STRING,
    attributes: u32,
    root: ffi::HANDLE,
    security_descriptor: ffi::PVOID,
) -> ffi::OBJECT_ATTRIBUTES {
    ffi::OBJECT_ATTRIBUTES {
        Length: ffi::typed::size_of::<ffi::OBJECT_ATTRIBUTES>(),
        RootDirectory: root,
        ObjectName: name,
        Attributes: attributes,
        SecurityDescriptor: security_descriptor,
        SecurityQualityOfService: core::ptr::null_mut(),
    }
}

impl<'name> ObjectAttributes<'name> {
    /// For a private handle: `OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE`.
    #[must_use]
    pub fn private(name: Option<&'name mut UnicodeStr<'name>>) -> Self {
        Self::with(name, ffi::OBJ_KERNEL_HANDLE | ffi::OBJ_CASE_INSENSITIVE)
    }

    /// For a private handle opened on a user's behalf: the access check runs against the
    /// caller's token as for a user-mode open (`OBJ_FORCE_ACCESS_CHECK`).
    #[must_use]
    pub fn private_for_requestor(name: &'name mut UnicodeStr<'name>) -> Self {
        Self::with(
            Some(name),
            ffi::OBJ_KERNEL_HANDLE | ffi::OBJ_CASE_INSENSITIVE | ffi::OBJ_FORCE_ACCESS_CHECK,
        )
    }

    fn with(name: Option<&'name mut UnicodeStr<'name>>, attributes: u32) -> Self {
        let name = name.map_or(core::ptr::null_mut(), UnicodeStr::as_ptr);
        Self {
            raw: initialize_object_attributes(
                name,
                attributes,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
            ),
            _name: PhantomData,
        }
    }

    /// The attribute bits.
    #[must_use]
    pub fn attributes(&self) -> u32 {
        self.raw.Attributes
    }

    fn as_ptr(&mut self) -> ffi::POBJECT_ATTRIBUTES {
        &raw mut self.raw
    }
}

/// A handle in the System process's handle table that this driver owns.
///
/// # Invariants
/// `handle` was returned by a successful create/open with `OBJ_KERNEL_HANDLE` (all
/// constructors take [`ObjectAttributes`] or pass the flag themselves) and is closed only
/// by Drop.
pub struct KernelHandle {
    handle: ffi::HANDLE,
}

// SAFETY: kernel handles are valid in any thread's context.
unsafe impl Send for KernelHandle {}

impl KernelHandle {
    /// `ZwCreateEvent`: a new notification event, not signalled.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn create_event() -> NtResult<Self> {
        let mut attributes = ObjectAttributes::private(None);
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: valid out pointer and attributes (with OBJ_KERNEL_HANDLE).
        let status = unsafe {
            ffi::ZwCreateEvent(
                &raw mut handle,
                ffi::EVENT_MODIFY_STATE | ffi::EVENT_QUERY_STATE | ffi::SYNCHRONIZE,
                attributes.as_ptr(),
                ffi::_EVENT_TYPE::NotificationEvent,
                ffi::typed::FALSE,
            )
        };
        NtStatus::from_raw(status).ok()?;
        Ok(Self { handle })
    }

    /// `ZwOpenKey` on `attributes`' name.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn open_key(attributes: &mut ObjectAttributes<'_>, access: Access<Key>) -> NtResult<Self> {
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: valid out pointer and attributes.
        let status = unsafe { ffi::ZwOpenKey(&raw mut handle, access.mask(), attributes.as_ptr()) };
        NtStatus::from_raw(status).ok()?;
        Ok(Self { handle })
    }

    /// `ZwCreateFile(FILE_OPEN, synchronous I/O)` for reading.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status (`STATUS_ACCESS_DENIED` when `attributes` force the access
    /// check and the requestor may not read the file).
    pub fn open_file_for_read(attributes: &mut ObjectAttributes<'_>) -> NtResult<Self> {
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: all-zero is a valid IO_STATUS_BLOCK.
        let mut io_status: ffi::IO_STATUS_BLOCK = unsafe { core::mem::zeroed() };
        // SAFETY: valid out pointers and attributes; no EA buffer.
        let status = unsafe {
            ffi::ZwCreateFile(
                &raw mut handle,
                ffi::FILE_READ_DATA | ffi::FILE_READ_ATTRIBUTES | ffi::SYNCHRONIZE,
                attributes.as_ptr(),
                &raw mut io_status,
                core::ptr::null_mut(),
                ffi::FILE_ATTRIBUTE_NORMAL,
                ffi::FILE_SHARE_READ,
                ffi::FILE_OPEN,
                ffi::FILE_NON_DIRECTORY_FILE | ffi::FILE_SYNCHRONOUS_IO_NONALERT,
                core::ptr::null_mut(),
                0,
            )
        };
        NtStatus::from_raw(status).ok()?;
        Ok(Self { handle })
    }

    /// `ObOpenObjectByPointer(object, OBJ_KERNEL_HANDLE, ..., KernelMode)`: a private handle
    /// to an object the driver already references.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn from_object<T: ObjectType>(object: &ObjectRef<T>, access: Access<T>) -> NtResult<Self> {
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: a referenced object of type T; valid out pointer.
        let status = unsafe {
            ffi::ObOpenObjectByPointer(
                object.as_raw(),
                ffi::OBJ_KERNEL_HANDLE,
                core::ptr::null_mut(),
                access.mask(),
                T::object_type(),
                ffi::typed::KERNEL_MODE,
                &raw mut handle,
            )
        };
        NtStatus::from_raw(status).ok()?;
        Ok(Self { handle })
    }

    /// References the object behind this private handle
    /// (`ObReferenceObjectByHandle(..., KernelMode)`, which is right for a kernel handle).
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn reference<T: ObjectType>(&self, access: Access<T>) -> NtResult<ObjectRef<T>> {
        let mut object: ffi::PVOID = core::ptr::null_mut();
        // SAFETY: our own kernel handle; `object` receives the reference.
        let status = unsafe {
            ffi::ObReferenceObjectByHandle(
                self.handle,
                access.mask(),
                T::object_type(),
                ffi::typed::KERNEL_MODE,
                &raw mut object,
                core::ptr::null_mut(),
            )
        };
        NtStatus::from_raw(status).ok()?;
        // SAFETY: on success the kernel handed us one reference on a T object.
        unsafe { ObjectRef::from_referenced(object) }.ok_or(NtStatus::UNSUCCESSFUL)
    }

    pub(super) fn raw(&self) -> ffi::HANDLE {
        self.handle
    }
}

impl Drop for KernelHandle {
    /// IRQL: PASSIVE_LEVEL.
    fn drop(&mut self) {
        // SAFETY: a valid kernel handle we own, closed exactly once, here.
        let _ = unsafe { ffi::ZwClose(self.handle) };
    }
}

impl ObjectRef<Event> {
    /// Opens a handle to this event in the requesting process with `SYNCHRONIZE` only
    /// (`ObOpenObjectByPointer(..., UserMode, ...)`): the user can wait on it, not set it.
    /// The handle is the user's; the driver keeps its own reference (guidance rule 4).
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked).
    ///
    /// # Errors
    /// [`Refused::WrongContext`], or the kernel's status.
    pub fn open_for_requestor(&self, irp: &Irp) -> Result<u64, Refused> {
        if !irp.in_requestor_context() {
            return Err(Refused::WrongContext);
        }
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: a referenced event object; valid out pointer. UserMode: the handle goes into
        // the current (requesting) process's table and access is checked as for the user.
        let status = unsafe {
            ffi::ObOpenObjectByPointer(
                self.as_raw(),
                0,
                core::ptr::null_mut(),
                ffi::SYNCHRONIZE,
                Event::object_type(),
                ffi::typed::USER_MODE,
                &raw mut handle,
            )
        };
        NtStatus::from_raw(status).ok().map_err(Refused::Status)?;
        Ok(handle as usize as u64)
    }
}

impl ObjectRef<File> {
    /// A private kernel handle to this file object, for Zw calls.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn open_private(&self) -> NtResult<KernelHandle> {
        KernelHandle::from_object(
            self,
            Access::<File>::READ_DATA | Access::<File>::SYNCHRONIZE,
        )
    }

    /// Whether the file object was opened for synchronous I/O (`FO_SYNCHRONOUS_IO`).
    #[must_use]
    pub fn is_synchronous(&self) -> bool {
        let file = self.as_raw().cast::<ffi::FILE_OBJECT>();
        // SAFETY: a file object's body is a FILE_OBJECT, alive while we hold the reference.
        let flags = unsafe { (*file).Flags };
        flags & ffi::FO_SYNCHRONOUS_IO != 0
    }
}
