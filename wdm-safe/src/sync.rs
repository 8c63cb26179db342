//! `SpinLock<T>`: data guarded by a `KSPIN_LOCK`; holding the guard means DISPATCH_LEVEL.
use crate::ffi;
use core::cell::UnsafeCell;
use core::marker::PhantomData;

/// A value only reachable while the spin lock is held.
pub struct SpinLock<T> {
    lock: UnsafeCell<ffi::KSPIN_LOCK>,
    value: UnsafeCell<T>,
}

// SAFETY: the lock serialises all access to `value`.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: moving the lock moves the value with it.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A released lock around `value` (`KeInitializeSpinLock` is storing 0).
    pub const fn new(value: T) -> Self {
        Self {
            lock: UnsafeCell::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// `KeAcquireSpinLockRaiseToDpc`: raises to DISPATCH_LEVEL until the guard drops.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        // SAFETY: a valid KSPIN_LOCK that lives as long as the guard.
        let old_irql = unsafe { ffi::KeAcquireSpinLockRaiseToDpc(self.lock.get()) };
        SpinLockGuard {
            owner: self,
            old_irql,
            _not_send: PhantomData,
        }
    }
}

/// Proof of holding a [`SpinLock`]; releases it (and restores the IRQL) on drop.
///
/// Not `Send`: the IRQL it restores belongs to the processor that acquired the lock, so the
/// guard must be dropped on the thread that took it.
#[must_use = "dropping the guard releases the lock at once"]
pub struct SpinLockGuard<'a, T> {
    owner: &'a SpinLock<T>,
    old_irql: ffi::KIRQL,
    _not_send: PhantomData<*const ()>,
}

impl<T> core::ops::Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the lock is held for the guard's lifetime.
        unsafe { &*self.owner.value.get() }
    }
}

impl<T> core::ops::DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held and `&mut self` makes the access unique.
        unsafe { &mut *self.owner.value.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: we hold the lock, acquired with this old IRQL.
        unsafe { ffi::KeReleaseSpinLock(self.owner.lock.get(), self.old_irql) };
    }
}
