//! Handles, split by who they belong to.
//!
//! - [`UserHandle`]: a value from the wire. Untrusted; it becomes an object only through
//!   [`UserHandle::reference`], which takes the IRP and passes `Irp->RequestorMode` itself,
//!   with the object type from `T` and a typed access mask (guidance rule 1). There is no
//!   way to reference it as KernelMode.
//! - [`KernelHandle`]: a handle the driver opened for itself. Every constructor passes
//!   `OBJ_KERNEL_HANDLE` (rule 3); opening a name from a request adds
//!   `OBJ_FORCE_ACCESS_CHECK` and `IO_FORCE_ACCESS_CHECK` (rule 5). It remembers the access it
//!   was opened with and references its object for no more. Drop closes it with `ZwClose`.
//!   A `KernelHandle` cannot be read: files are read only through an
//!   [`OwnFile`], a file object the driver opened itself.
use crate::access::{Access, Event, File, RegistryKey};
use crate::attributes::ObjectAttributes;
use crate::ffi;
use crate::file::{FileKind, OwnFile};
use crate::irp::Irp;
use crate::name::RequestorPath;
use crate::object::{ObjectRef, ObjectType};
use crate::security::SecurityDescriptor;
use crate::status::{NtError, NtResult, NtStatus};

/// A handle value received from user mode, as it came off the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserHandle {
    value: u64,
    /// A 32-bit caller's value had bits above 32 set: no handle of its can look like that.
    beyond_32_bits: bool,
}

/// Why an operation in the requestor's context did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestorError {
    /// The request is not being handled in the requesting process's context, so handle
    /// values and the caller's token cannot be interpreted.
    WrongContext,
    /// The request came from kernel mode (another driver), and what it asks for only a
    /// user-mode caller may be given: a handle in its process.
    KernelRequestor,
    /// The handle or path names something other than a file on a file-system volume: a
    /// named pipe, a mailslot, a device, a whole volume ([`crate::file::FileKind`]). Nothing
    /// was read from it.
    NotAFile,
    /// The kernel refused it with this status.
    Status(NtError),
}

impl From<NtError> for RequestorError {
    fn from(error: NtError) -> Self {
        Self::Status(error)
    }
}

impl UserHandle {
    /// A handle from a request's wire field. A 32-bit (WOW64) caller's handles are 32 bits:
    /// its value is the low half, sign-extended as WOW64 does (so `-1` stays
    /// `NtCurrentProcess()`), and a value with any upper bit set is refused by
    /// [`UserHandle::reference`]. A 64-bit caller's value is taken whole.
    #[must_use]
    pub fn from_wire(value: u64, irp: &Irp) -> Self {
        if !irp.is_32bit_requestor() {
            return Self {
                value,
                beyond_32_bits: false,
            };
        }
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the low 32 bits are a WOW64 caller's handle; the rest is checked"
        )]
        let low = value as u32;
        Self {
            value: i64::from(low.cast_signed()).cast_unsigned(),
            beyond_32_bits: value >> 32 != 0,
        }
    }

    /// Whether the value has the shape of a kernel handle (x64: negative, and not one of the
    /// pseudo-handles -1 and -2). Used only to word refusals; the kernel does the check.
    #[must_use]
    pub fn looks_like_kernel_handle(self) -> bool {
        !self.beyond_32_bits && self.value.cast_signed() < -2
    }

    /// References the object the handle names in the requesting process:
    /// `ObReferenceObjectByHandle(handle, access, T's type, Irp->RequestorMode, ...)`. The
    /// reference remembers `access`.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked first).
    ///
    /// # Errors
    /// [`RequestorError::WrongContext`] outside the requesting process;
    /// `STATUS_INVALID_HANDLE` for NULL (checked here: Driver Verifier stops a driver that
    /// passes NULL on) and for a 32-bit caller's value above 32 bits; otherwise the kernel's status (`STATUS_INVALID_HANDLE`,
    /// `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`, ...).
    pub fn reference<T: ObjectType>(
        self,
        irp: &Irp,
        access: Access<T>,
    ) -> Result<ObjectRef<T>, RequestorError> {
        if !irp.in_requestor_context() {
            return Err(RequestorError::WrongContext);
        }
        if self.value == 0 || self.beyond_32_bits {
            // The kernel would say STATUS_INVALID_HANDLE too for NULL, but Driver Verifier bug
            // checks (C4/0xF5) on a NULL handle passed to ObReferenceObjectByHandle: refuse it
            // here. A 32-bit caller's value above 32 bits would be cut by the kernel's WOW64
            // rules into some other handle: refuse it too.
            return Err(NtError::INVALID_HANDLE.into());
        }
        let value = usize::try_from(self.value).map_err(|_| NtError::INVALID_HANDLE)?;
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
        NtStatus::from_raw(status).ok()?;
        // SAFETY: on success the kernel handed us one reference on a T object, after checking
        // `access` against the handle's grant for RequestorMode.
        unsafe { ObjectRef::from_referenced(object, access) }.ok_or(NtError::UNSUCCESSFUL.into())
    }
}

/// A handle in the System process's handle table that this driver owns.
///
/// # Invariants
/// `handle` was returned by a successful create/open with `OBJ_KERNEL_HANDLE` (every
/// constructor passes the flag), granted at most `access`, and is closed only by Drop.
pub struct KernelHandle {
    handle: ffi::HANDLE,
    access: u32,
}

// SAFETY: kernel handles are valid in any thread's context.
unsafe impl Send for KernelHandle {}

impl KernelHandle {
    /// `ZwCreateEvent`: a new unnamed notification event, not signalled, whose DACL gives
    /// anyone `SYNCHRONIZE` only ([`SecurityDescriptor::WAIT_ONLY`]): a handle handed to user
    /// mode for waiting cannot be duplicated into one that sets it.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn create_event() -> NtResult<Self> {
        static WAIT_ONLY: SecurityDescriptor<[u8; 68]> = SecurityDescriptor::WAIT_ONLY;
        let access = ffi::EVENT_MODIFY_STATE | ffi::EVENT_QUERY_STATE | ffi::SYNCHRONIZE;
        let mut attributes = ObjectAttributes::private_with_security(&WAIT_ONLY);
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: valid out pointer and attributes (with OBJ_KERNEL_HANDLE).
        let status = unsafe {
            ffi::ZwCreateEvent(
                &raw mut handle,
                access,
                attributes.as_ptr(),
                ffi::_EVENT_TYPE::NotificationEvent,
                ffi::typed::FALSE,
            )
        };
        NtStatus::from_raw(status).ok()?;
        // INVARIANT: created with OBJ_KERNEL_HANDLE and `access`.
        Ok(Self { handle, access })
    }

    /// `ZwOpenKey` on `attributes`' name (the driver's own registry path).
    ///
    /// IRQL: PASSIVE_LEVEL.
    pub(crate) fn open_key(
        attributes: &mut ObjectAttributes<'_>,
        access: Access<RegistryKey>,
    ) -> NtResult<Self> {
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: valid out pointer and attributes.
        let status = unsafe { ffi::ZwOpenKey(&raw mut handle, access.mask(), attributes.as_ptr()) };
        NtStatus::from_raw(status).ok()?;
        // INVARIANT: `attributes` always carry OBJ_KERNEL_HANDLE; opened with `access`.
        Ok(Self {
            handle,
            access: access.mask(),
        })
    }

    /// Opens a path a request named, for reading, as the requestor would, and keeps it only
    /// if it is a file on a file-system volume: `IoCreateFile(FILE_OPEN, synchronous I/O)`
    /// with `OBJ_KERNEL_HANDLE | OBJ_FORCE_ACCESS_CHECK` and `IO_FORCE_ACCESS_CHECK`, so the
    /// object manager parses the name and the file system checks the open against the
    /// caller's token (`SL_FORCE_ACCESS_CHECK` in the create IRP; Microsoft's IoCreateFile
    /// page), and nobody reads through the driver what they could not read themselves. A pipe,
    /// a mailslot, a device or a whole volume is closed again unread: the reads that would
    /// follow carry RequestorMode KernelMode to whatever the path reaches.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked: the forced access check
    /// uses the current thread's token).
    ///
    /// # Errors
    /// [`RequestorError::WrongContext`], [`RequestorError::NotAFile`], or the kernel's status
    /// (`STATUS_ACCESS_DENIED` when the requestor may not read the file).
    pub fn open_file_for_requestor(
        irp: &Irp,
        path: &RequestorPath<'_>,
    ) -> Result<OwnFile, RequestorError> {
        if !irp.in_requestor_context() {
            return Err(RequestorError::WrongContext);
        }
        let mut name = path.unicode().ok_or(NtError::INVALID_PARAMETER)?;
        let mut attributes = ObjectAttributes::for_requestor(&mut name);
        let access = ffi::FILE_READ_DATA | ffi::FILE_READ_ATTRIBUTES | ffi::SYNCHRONIZE;
        let handle =
            Self::create_file_for_requestor(&mut attributes, access, ffi::FILE_SHARE_READ)?;
        let file = handle.reference(Access::<File>::READ_DATA)?;
        if file.kind() != FileKind::VolumeFile {
            return Err(RequestorError::NotAFile);
        }
        Ok(OwnFile::new(handle))
    }

    /// `IoCreateFile(attributes, access, share, FILE_OPEN, FILE_NON_DIRECTORY_FILE |
    /// FILE_SYNCHRONOUS_IO_NONALERT, CreateFileTypeNone, IO_FORCE_ACCESS_CHECK |
    /// IO_NO_PARAMETER_CHECKING)`. `IO_NO_PARAMETER_CHECKING` because every buffer is the
    /// driver's kernel memory: without it the I/O manager would use the requestor's previous
    /// mode (UserMode) and probe them as user addresses. `attributes` must carry
    /// `OBJ_FORCE_ACCESS_CHECK` (the callers' attributes do).
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context.
    pub(crate) fn create_file_for_requestor(
        attributes: &mut ObjectAttributes<'_>,
        access: u32,
        share: u32,
    ) -> NtResult<Self> {
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: all-zero is a valid IO_STATUS_BLOCK.
        let mut io_status: ffi::IO_STATUS_BLOCK = unsafe { core::mem::zeroed() };
        // SAFETY: valid out pointers and attributes, all kernel memory (hence
        // IO_NO_PARAMETER_CHECKING); no EA buffer, no internal parameters.
        let status = unsafe {
            ffi::IoCreateFile(
                &raw mut handle,
                access,
                attributes.as_ptr(),
                &raw mut io_status,
                core::ptr::null_mut(),
                ffi::FILE_ATTRIBUTE_NORMAL,
                share,
                ffi::FILE_OPEN,
                ffi::FILE_NON_DIRECTORY_FILE | ffi::FILE_SYNCHRONOUS_IO_NONALERT,
                core::ptr::null_mut(),
                0,
                ffi::_CREATE_FILE_TYPE::CreateFileTypeNone,
                core::ptr::null_mut(),
                ffi::IO_FORCE_ACCESS_CHECK | ffi::IO_NO_PARAMETER_CHECKING,
            )
        };
        NtStatus::from_raw(status).ok()?;
        // INVARIANT: the layer's attributes always carry OBJ_KERNEL_HANDLE, and the access mode
        // is KernelMode (IO_NO_PARAMETER_CHECKING), so the handle is a kernel handle; opened
        // with `access`.
        Ok(Self { handle, access })
    }

    /// `ObOpenObjectByPointer(file, OBJ_KERNEL_HANDLE, no access, KernelMode)`: a handle that
    /// names a user's file object only to be the `RootDirectory` of a relative open. It grants
    /// nothing (a relative open references its root for no access), so
    /// [`KernelHandle::reference`] refuses any access through it.
    ///
    /// IRQL: PASSIVE_LEVEL.
    pub(crate) fn root_of(file: &ObjectRef<File>) -> NtResult<Self> {
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: a referenced file object; valid out pointer.
        let status = unsafe {
            ffi::ObOpenObjectByPointer(
                file.as_raw(),
                ffi::OBJ_KERNEL_HANDLE,
                core::ptr::null_mut(),
                0,
                File::object_type(),
                ffi::typed::KERNEL_MODE,
                &raw mut handle,
            )
        };
        NtStatus::from_raw(status).ok()?;
        // INVARIANT: opened with OBJ_KERNEL_HANDLE and no access.
        Ok(Self { handle, access: 0 })
    }

    /// `ObOpenObjectByPointer(object, OBJ_KERNEL_HANDLE, ..., KernelMode)`: a private handle
    /// to an object the driver references, with exactly the access the reference was
    /// validated for (a private handle never widens what the user's handle allowed).
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// The kernel's status.
    pub fn from_object<T: ObjectType>(object: &ObjectRef<T>) -> NtResult<Self> {
        let access = object.access().mask();
        let mut handle: ffi::HANDLE = core::ptr::null_mut();
        // SAFETY: a referenced object of type T; valid out pointer.
        let status = unsafe {
            ffi::ObOpenObjectByPointer(
                object.as_raw(),
                ffi::OBJ_KERNEL_HANDLE,
                core::ptr::null_mut(),
                access,
                T::object_type(),
                ffi::typed::KERNEL_MODE,
                &raw mut handle,
            )
        };
        NtStatus::from_raw(status).ok()?;
        // INVARIANT: opened with OBJ_KERNEL_HANDLE and the reference's `access`.
        Ok(Self { handle, access })
    }

    /// References the object behind this private handle
    /// (`ObReferenceObjectByHandle(..., KernelMode)`, which is right for a kernel handle).
    /// KernelMode skips the kernel's access check, so the layer makes it: `access` must be
    /// within what the handle was opened with.
    ///
    /// IRQL: PASSIVE_LEVEL.
    ///
    /// # Errors
    /// `STATUS_ACCESS_DENIED` for access beyond the handle's; otherwise the kernel's status.
    pub fn reference<T: ObjectType>(&self, access: Access<T>) -> NtResult<ObjectRef<T>> {
        if access.mask() & !self.access != 0 {
            return Err(NtError::ACCESS_DENIED);
        }
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
        // SAFETY: on success the kernel handed us one reference on a T object; `access` is
        // within the handle's (checked above).
        unsafe { ObjectRef::from_referenced(object, access) }.ok_or(NtError::UNSUCCESSFUL)
    }

    pub(crate) fn raw(&self) -> ffi::HANDLE {
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
    /// A request from kernel mode is refused: a handle made with UserMode in whatever process
    /// that driver runs in would be a user-accessible handle planted there, and a kernel
    /// caller wants a kernel handle, which this never makes.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked).
    ///
    /// # Errors
    /// [`RequestorError::KernelRequestor`], [`RequestorError::WrongContext`], or the kernel's
    /// status.
    pub fn open_for_requestor(&self, irp: &Irp) -> Result<u64, RequestorError> {
        if !irp.from_user_mode() {
            return Err(RequestorError::KernelRequestor);
        }
        if !irp.in_requestor_context() {
            return Err(RequestorError::WrongContext);
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
        NtStatus::from_raw(status).ok()?;
        Ok(handle as usize as u64)
    }
}
