//! `ObjectRef<T>`: one counted reference to a kernel object of type `T`.
//!
//! Clone takes a reference (`ObfReferenceObject`), Drop releases it (`ObfDereferenceObject`),
//! so a reference is released exactly once. A reference keeps the object alive after the user
//! closes every handle to it (guidance rule 6). It also remembers the access it was validated
//! for, so that a private handle made from it ([`crate::handle::KernelHandle::from_object`])
//! cannot carry more.
use crate::access::{Access, Event, File};
use crate::ffi;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A kernel object type the layer references.
pub trait ObjectType {
    /// The type's `POBJECT_TYPE`, passed to every reference-by-handle.
    fn object_type() -> ffi::POBJECT_TYPE;
}

impl ObjectType for Event {
    fn object_type() -> ffi::POBJECT_TYPE {
        ffi::event_object_type()
    }
}

impl ObjectType for File {
    fn object_type() -> ffi::POBJECT_TYPE {
        ffi::file_object_type()
    }
}

/// One counted reference to an object of type `T`, without the access it was validated for:
/// what the layer keeps where only the object is used (a notification record).
///
/// # Invariants
/// `object` is the body of a live object of type `T` on which this value owns exactly one
/// reference.
pub(crate) struct Counted<T: ObjectType> {
    object: NonNull<core::ffi::c_void>,
    _type: PhantomData<T>,
}

// SAFETY: object references may be used and released from any thread (at IRQL <= DISPATCH).
unsafe impl<T: ObjectType> Send for Counted<T> {}
// SAFETY: shared access only exposes operations that are thread-safe in the kernel.
unsafe impl<T: ObjectType> Sync for Counted<T> {}

impl<T: ObjectType> Clone for Counted<T> {
    /// IRQL: <= DISPATCH_LEVEL.
    fn clone(&self) -> Self {
        // SAFETY: the object is alive (we hold a reference); the new reference is owned by
        // the returned value.
        unsafe { ffi::ObfReferenceObject(self.object.as_ptr()) };
        // INVARIANT: one new reference.
        Self {
            object: self.object,
            _type: PhantomData,
        }
    }
}

impl<T: ObjectType> Drop for Counted<T> {
    /// IRQL: <= DISPATCH_LEVEL.
    fn drop(&mut self) {
        // SAFETY: releases the one reference this value owns, exactly once.
        unsafe { ffi::ObfDereferenceObject(self.object.as_ptr()) };
    }
}

impl Counted<Event> {
    /// `KeSetEvent`: signals the event; returns whether it was already signalled.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub(crate) fn set(&self) -> bool {
        // SAFETY: an event object's body is a KEVENT, alive while we hold the reference.
        unsafe { ffi::KeSetEvent(self.object.as_ptr().cast(), 0, ffi::typed::FALSE) != 0 }
    }
}

/// A counted reference to an object of type `T`, validated for `access`.
///
/// # Invariants
/// `access` is at most what the reference was validated for (the access granted to the
/// handle it came from, or asked of a handle the driver created).
pub struct ObjectRef<T: ObjectType> {
    counted: Counted<T>,
    access: Access<T>,
}

impl<T: ObjectType> Clone for ObjectRef<T> {
    /// Takes another reference (`ObfReferenceObject`), validated as this one. IRQL: <=
    /// DISPATCH_LEVEL.
    fn clone(&self) -> Self {
        Self {
            counted: self.counted.clone(),
            access: self.access,
        }
    }
}

impl<T: ObjectType> ObjectRef<T> {
    /// Takes ownership of one reference the caller holds on `object`.
    ///
    /// # Safety
    /// `object` is a `T` object on which the caller owns one reference, handed over here, and
    /// `access` was validated for it.
    pub(crate) unsafe fn from_referenced(object: ffi::PVOID, access: Access<T>) -> Option<Self> {
        let object = NonNull::new(object)?;
        // INVARIANT: the caller hands over one reference on a T, validated for `access`.
        Some(Self {
            counted: Counted {
                object,
                _type: PhantomData,
            },
            access,
        })
    }

    /// The object body, for kernel calls that take it.
    pub(crate) fn as_raw(&self) -> ffi::PVOID {
        self.counted.object.as_ptr()
    }

    /// The access this reference was validated for.
    #[must_use]
    pub fn access(&self) -> Access<T> {
        self.access
    }

    /// The reference alone, for storage.
    pub(crate) fn into_counted(self) -> Counted<T> {
        self.counted
    }
}

impl ObjectRef<Event> {
    /// `KeSetEvent`: signals the event; returns whether it was already signalled.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    #[expect(
        clippy::must_use_candidate,
        reason = "signalling is the point; the previous state is extra"
    )]
    pub fn set(&self) -> bool {
        self.counted.set()
    }
}

impl ObjectRef<File> {
    /// Whether the file object was opened for synchronous I/O (`FO_SYNCHRONOUS_IO`).
    #[must_use]
    pub fn is_synchronous(&self) -> bool {
        let file = self.as_raw().cast::<ffi::FILE_OBJECT>();
        // SAFETY: a file object's body is a FILE_OBJECT, alive while we hold the reference.
        let flags = unsafe { (*file).Flags };
        flags & ffi::FO_SYNCHRONOUS_IO != 0
    }
}
