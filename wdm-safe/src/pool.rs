//! Non-paged pool: one resolved allocator, who pays ([`Charge`]), and `PoolBox<T>`, the
//! owner of one allocation.
//!
//! `ExAllocatePool2` exists from Windows 10 2004 and is missing in Wine, so it is resolved at
//! run time with `MmGetSystemRoutineAddress`; without it the driver falls back to
//! `ExAllocatePoolWithTag(NonPagedPoolNx)` (or `ExAllocatePoolWithQuotaTag`) and zeroes the
//! memory itself.
//!
//! Pool made on a caller's behalf is charged to the caller's process
//! (`POOL_FLAG_USE_QUOTA`): a process that asks for much spends its own nonpaged pool quota,
//! not the system's, and the charge comes back when the block is freed. The kernel charges
//! the *current* process, so a charge can only be made in the requestor's context, which
//! [`Charge::requestor`] checks.
use crate::ffi;
use crate::handle::RequestorError;
use crate::irp::Irp;
use crate::status::{NtError, NtResult};
use crate::unicode::UnicodeStr;
use crate::wide;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// Who pays for an allocation: the driver (state made at load), or the process that sent
/// the request being handled, in its context.
///
/// A requestor's `Charge` borrows the IRP, so it cannot outlive the request, and is neither
/// `Send` nor `Sync`, so it cannot be taken to a DPC or another thread, where the current
/// process is some other one.
#[derive(Clone, Copy)]
pub struct Charge<'irp> {
    quota: bool,
    _in_this_context: PhantomData<*const &'irp Irp>,
}

impl Charge<'static> {
    /// The driver pays: for what it holds on nobody's behalf.
    pub const DRIVER: Self = Self {
        quota: false,
        _in_this_context: PhantomData,
    };
}

impl<'irp> Charge<'irp> {
    /// The process that sent `irp` pays, from its nonpaged pool quota.
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context (checked).
    ///
    /// # Errors
    /// [`RequestorError::WrongContext`] when the current process is not the requestor.
    pub fn requestor(irp: &'irp Irp) -> Result<Self, RequestorError> {
        if !irp.in_requestor_context() {
            return Err(RequestorError::WrongContext);
        }
        Ok(Self {
            quota: true,
            _in_this_context: PhantomData,
        })
    }
}

type AllocatePool2 = unsafe extern "C" fn(u64, ffi::SIZE_T, ffi::ULONG) -> ffi::PVOID;

/// The pool allocator the driver resolved at load.
#[derive(Clone, Copy)]
pub struct Pool {
    allocate2: Option<AllocatePool2>,
}

impl Pool {
    /// Looks up `ExAllocatePool2`.
    ///
    /// IRQL: PASSIVE_LEVEL (`MmGetSystemRoutineAddress`).
    #[must_use]
    pub fn resolve() -> Self {
        let Some(mut name) = UnicodeStr::new(wide!("ExAllocatePool2")) else {
            return Self { allocate2: None };
        };
        // SAFETY: a valid UNICODE_STRING; called from DriverEntry at PASSIVE_LEVEL.
        let address = unsafe { ffi::MmGetSystemRoutineAddress(name.as_ptr()) };
        if address.is_null() {
            return Self { allocate2: None };
        }
        // SAFETY: the kernel exports ExAllocatePool2 with exactly this signature
        // (PVOID ExAllocatePool2(POOL_FLAGS, SIZE_T, ULONG)).
        let allocate2 = unsafe { core::mem::transmute::<ffi::PVOID, AllocatePool2>(address) };
        Self {
            allocate2: Some(allocate2),
        }
    }

    /// Whether `ExAllocatePool2` was found (false on Wine and on Windows before 10 2004).
    #[must_use]
    pub fn has_allocate_pool2(&self) -> bool {
        self.allocate2.is_some()
    }

    /// Zeroed non-paged memory for `size` bytes, 16-byte aligned, paid as `charge` says, or
    /// `None` (no pool, or the payer's quota is spent).
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    fn allocate_zeroed(&self, size: usize, tag: u32, charge: Charge<'_>) -> Option<NonNull<u8>> {
        let memory = if let Some(allocate2) = self.allocate2 {
            let flags = if charge.quota {
                ffi::POOL_FLAG_NON_PAGED | ffi::POOL_FLAG_USE_QUOTA
            } else {
                ffi::POOL_FLAG_NON_PAGED
            };
            // SAFETY: ExAllocatePool2 with a valid flag set and no POOL_FLAG_RAISE_ON_FAILURE:
            // returns NULL on failure.
            unsafe { allocate2(flags, size as ffi::SIZE_T, tag) }
        } else {
            // SAFETY: IRQL <= DISPATCH_LEVEL (this function's contract); a charge is made in
            // the requestor's context (`Charge`'s invariant).
            let memory =
                unsafe { ffi::allocate_pool_fallback(size as ffi::SIZE_T, tag, charge.quota) };
            if !memory.is_null() {
                // SAFETY: `memory` is a fresh allocation of `size` bytes.
                unsafe { core::ptr::write_bytes(memory.cast::<u8>(), 0, size) };
            }
            memory
        };
        NonNull::new(memory.cast::<u8>())
    }
}

/// One pool allocation holding a `T`; frees it with its tag on drop.
///
/// # Invariants
/// `ptr` came from `Pool::allocate_zeroed` with `tag`, holds an initialised `T`, and is owned
/// by this value alone.
pub struct PoolBox<T> {
    ptr: NonNull<T>,
    tag: u32,
}

// SAFETY: PoolBox owns its T exactly like Box does.
unsafe impl<T: Send> Send for PoolBox<T> {}
// SAFETY: shared access only hands out &T.
unsafe impl<T: Sync> Sync for PoolBox<T> {}

impl<T> PoolBox<T> {
    /// Moves `value` into a new allocation tagged `tag`, paid as `charge` says.
    ///
    /// # Errors
    /// `STATUS_INSUFFICIENT_RESOURCES` if the pool, or the payer's quota, is exhausted.
    pub fn new(pool: &Pool, tag: u32, value: T, charge: Charge<'_>) -> NtResult<Self> {
        const {
            assert!(
                core::mem::align_of::<T>() <= 16,
                "pool memory is 16-byte aligned"
            );
        };
        let memory = pool
            .allocate_zeroed(core::mem::size_of::<T>().max(1), tag, charge)
            .ok_or(NtError::INSUFFICIENT_RESOURCES)?;
        let ptr = memory.cast::<T>();
        // SAFETY: fresh, suitably aligned memory of size_of::<T>() bytes.
        unsafe { ptr.as_ptr().write(value) };
        Ok(Self { ptr, tag })
    }

    /// Gives up ownership; [`PoolBox::from_raw`] takes it back.
    #[must_use]
    pub fn into_raw(this: Self) -> *mut T {
        let this = core::mem::ManuallyDrop::new(this);
        this.ptr.as_ptr()
    }

    /// Moves the value out and frees the allocation.
    #[must_use]
    pub fn into_inner(this: Self) -> T {
        let this = core::mem::ManuallyDrop::new(this);
        // SAFETY: the invariant: an initialised T owned by us; read once, and the memory is
        // freed below without dropping it again.
        let value = unsafe { this.ptr.as_ptr().read() };
        // SAFETY: the allocation came from the pool with this tag and is freed once, here.
        unsafe { ffi::ExFreePoolWithTag(this.ptr.as_ptr().cast(), this.tag) };
        value
    }

    /// Takes back ownership of a pointer from [`PoolBox::into_raw`].
    ///
    /// # Safety
    /// `raw` came from `PoolBox::<T>::into_raw` with `tag`, and is not used elsewhere after.
    pub unsafe fn from_raw(raw: *mut T, tag: u32) -> Option<Self> {
        NonNull::new(raw).map(|ptr| Self { ptr, tag })
    }
}

impl<T> core::ops::Deref for PoolBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the invariant says `ptr` holds an initialised T owned by us.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> core::ops::DerefMut for PoolBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for Deref, and `&mut self` makes the access unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for PoolBox<T> {
    fn drop(&mut self) {
        // SAFETY: the invariant: an initialised T that nobody else owns.
        unsafe { core::ptr::drop_in_place(self.ptr.as_ptr()) };
        // SAFETY: the allocation came from the pool with this tag and is freed once, here.
        unsafe { ffi::ExFreePoolWithTag(self.ptr.as_ptr().cast(), self.tag) };
    }
}

/// One pool allocation holding `len` values of `T`; frees it with its tag on drop.
///
/// # Invariants
/// `ptr` came from `Pool::allocate_zeroed` with `tag`, holds `len` initialised `T`s, and is
/// owned by this value alone.
pub struct PoolSlice<T> {
    ptr: NonNull<T>,
    len: usize,
    tag: u32,
}

// SAFETY: PoolSlice owns its Ts exactly like Box<[T]> does.
unsafe impl<T: Send> Send for PoolSlice<T> {}
// SAFETY: shared access only hands out &[T].
unsafe impl<T: Sync> Sync for PoolSlice<T> {}

impl<T> PoolSlice<T> {
    /// `len` values made by `make(index)`, in one allocation tagged `tag`, paid as `charge`
    /// says.
    ///
    /// # Errors
    /// `STATUS_INSUFFICIENT_RESOURCES` if the pool, or the payer's quota, is exhausted, or the
    /// size overflows.
    pub fn new(
        pool: &Pool,
        tag: u32,
        len: usize,
        charge: Charge<'_>,
        mut make: impl FnMut(usize) -> T,
    ) -> NtResult<Self> {
        const {
            assert!(
                core::mem::align_of::<T>() <= 16,
                "pool memory is 16-byte aligned"
            );
        };
        let bytes = core::mem::size_of::<T>()
            .checked_mul(len)
            .ok_or(NtError::INSUFFICIENT_RESOURCES)?;
        let ptr = pool
            .allocate_zeroed(bytes.max(1), tag, charge)
            .ok_or(NtError::INSUFFICIENT_RESOURCES)?
            .cast::<T>();
        for index in 0..len {
            // SAFETY: `index < len`, inside the fresh allocation of `len` Ts.
            let slot = unsafe { ptr.as_ptr().add(index) };
            // SAFETY: writes into uninitialised, aligned memory we own.
            unsafe { slot.write(make(index)) };
        }
        Ok(Self { ptr, len, tag })
    }
}

impl<T> core::ops::Deref for PoolSlice<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: the invariant: `len` initialised Ts owned by us.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> core::ops::DerefMut for PoolSlice<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for Deref, and `&mut self` makes the access unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> Drop for PoolSlice<T> {
    fn drop(&mut self) {
        let items = core::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: the invariant: initialised Ts that nobody else owns.
        unsafe { core::ptr::drop_in_place(items) };
        // SAFETY: the allocation came from the pool with this tag and is freed once, here.
        unsafe { ffi::ExFreePoolWithTag(self.ptr.as_ptr().cast(), self.tag) };
    }
}
