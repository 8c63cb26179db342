//! Typed access masks: an [`Access<T>`] only holds rights that mean something for objects of
//! type `T`, so an event right cannot be asked of a file.
use crate::ffi;
use core::marker::PhantomData;

/// Event objects (`ExEventObjectType`): the object body is a `KEVENT`.
pub enum Event {}

/// File objects (`IoFileObjectType`).
pub enum File {}

/// Registry keys (opened by name only; the driver never takes a key handle from user mode).
pub enum RegistryKey {}

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

impl<T> PartialEq for Access<T> {
    fn eq(&self, other: &Self) -> bool {
        self.mask == other.mask
    }
}
impl<T> Eq for Access<T> {}

impl<T> core::fmt::Debug for Access<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Access({:#x})", self.mask)
    }
}

impl<T> core::ops::BitOr for Access<T> {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self::new(self.mask | other.mask)
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

    /// Whether every right in `other` is also in `self`.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        other.mask & !self.mask == 0
    }
}

impl Access<Event> {
    /// `SYNCHRONIZE`: wait on the event.
    pub const SYNCHRONIZE: Self = Self::new(ffi::SYNCHRONIZE);
    /// `EVENT_MODIFY_STATE`: set or clear the event.
    pub const MODIFY_STATE: Self = Self::new(ffi::EVENT_MODIFY_STATE);
}

impl Access<File> {
    /// `SYNCHRONIZE`: synchronous I/O waits on the file object.
    pub const SYNCHRONIZE: Self = Self::new(ffi::SYNCHRONIZE);
    /// `FILE_READ_DATA`.
    pub const READ_DATA: Self = Self::new(ffi::FILE_READ_DATA);
}

impl Access<RegistryKey> {
    /// `KEY_QUERY_VALUE`.
    pub const QUERY_VALUE: Self = Self::new(ffi::KEY_QUERY_VALUE);
}
