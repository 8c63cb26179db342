//! `ObjectRef<T>`: one counted reference to a kernel object of type `T`.
//!
//! Clone takes a reference (`ObfReferenceObject`), Drop releases it (`ObfDereferenceObject`),
//! so a reference is released exactly once. A reference keeps the object alive after the user
//! closes every handle to it (guidance rule 6).
use super::ffi;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A kernel object type the driver references.
pub trait ObjectType {
    /// The type's `POBJECT_TYPE`, passed to every reference-by-handle.
    fn object_type() -> ffi::POBJECT_TYPE;
}

/// Event objects (`ExEventObjectType`): the object body is a `KEVENT`.
pub enum Event {}

/// File objects (`IoFileObjectType`).
pub enum File {}

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

/// A counted reference to an object of type `T`.
///
/// # Invariants
/// `object` is the body of a live object of type `T` on which this value owns exactly one
/// reference.
pub struct ObjectRef<T: ObjectType> {
    object: NonNull<core::ffi::c_void>,
    _type: PhantomData<T>,
}

// SAFETY: object references may be used and released from any thread (at IRQL <= DISPATCH).
unsafe impl<T: ObjectType> Send for ObjectRef<T> {}
// SAFETY: shared access only exposes operations that are thread-safe in the kernel.
unsafe impl<T: ObjectType> Sync for ObjectRef<T> {}

impl<T: ObjectType> ObjectRef<T> {
    /// Takes ownership of one reference the caller holds on `object`.
    ///
    /// # Safety
    /// `object` is a `T` object on which the caller owns one reference, handed over here.
    pub(super) unsafe fn from_referenced(object: ffi::PVOID) -> Option<Self> {
        NonNull::new(object).map(|object| Self {
            object,
            _type: PhantomData,
        })
    }

    /// The object body, for kernel calls that take it.
    pub(super) fn as_raw(&self) -> ffi::PVOID {
        self.object.as_ptr()
    }

    /// Whether two references name the same object.
    #[must_use]
    pub fn same_object(&self, other: &Self) -> bool {
        self.object == other.object
    }
}

impl<T: ObjectType> Clone for ObjectRef<T> {
    /// IRQL: <= DISPATCH_LEVEL.
    fn clone(&self) -> Self {
        // SAFETY: the object is alive (we hold a reference); the new reference is owned by
        // the returned value.
        unsafe { ffi::ObfReferenceObject(self.object.as_ptr()) };
        Self {
            object: self.object,
            _type: PhantomData,
        }
    }
}

impl<T: ObjectType> Drop for ObjectRef<T> {
    /// IRQL: <= DISPATCH_LEVEL.
    fn drop(&mut self) {
        // SAFETY: releases the one reference this value owns, exactly once.
        unsafe { ffi::ObfDereferenceObject(self.object.as_ptr()) };
    }
}

impl ObjectRef<Event> {
    /// `KeSetEvent`: signals the event; returns whether it was already signalled.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    #[allow(clippy::must_use_candidate)]
    pub fn set(&self) -> bool {
        // SAFETY: an event object's body is a KEVENT, alive while we hold the reference.
        unsafe { ffi::KeSetEvent(self.object.as_ptr().cast(), 0, ffi::typed::FALSE) != 0 }
    }

    /// `KeReadStateEvent`: whether the event is signalled.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    #[must_use]
    pub fn is_set(&self) -> bool {
        // SAFETY: as for `set`.
        unsafe { ffi::KeReadStateEvent(self.object.as_ptr().cast()) != 0 }
    }
}
