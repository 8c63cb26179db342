//! IRPs as the dispatch routines see them: accessors for the current stack location, the
//! METHOD_BUFFERED system buffer, and completion exactly once (completing consumes the `Irp`).
//!
//! Completion is typed: [`Irp::succeed`] takes a [`Written`] count that is clamped to the
//! output buffer (the I/O manager copies `Information` bytes out of the system buffer), and
//! [`Irp::fail`] takes an [`NtError`], which cannot be `STATUS_SUCCESS` or `STATUS_PENDING`.
//! An `Irp` or [`PendingIrp`] dropped without completion is completed with
//! `STATUS_DRIVER_INTERNAL_ERROR`, so a driver bug fails the request instead of hanging it.
use crate::ffi;
use crate::status::{NtError, NtStatus};
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

/// An IRP this driver is dispatching and has not yet completed or pended.
///
/// # Invariants
/// `irp` is a live IRP sent to this driver, `stack` its current stack location; this value is
/// the only owner until it is consumed by completion (or a pending hand-off), or dropped,
/// which completes it.
#[must_use = "an IRP must be completed (or pended); dropping it fails the request"]
pub struct Irp {
    irp: NonNull<ffi::IRP>,
    stack: NonNull<ffi::IO_STACK_LOCATION>,
}

/// Proof that a dispatch routine disposed of its IRP; carries the status to return.
#[must_use = "a dispatch routine returns the status of the IRP it completed"]
pub struct Dispatched(NtStatus);

impl Dispatched {
    /// The status the dispatch routine returns.
    pub(crate) fn status(&self) -> NtStatus {
        self.0
    }
}

/// How many bytes of the output buffer a reply wrote: what [`Irp::succeed`] reports as
/// `Information`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Written(usize);

impl Written {
    /// A reply without output bytes.
    pub const NOTHING: Self = Self(0);

    /// The byte count.
    #[must_use]
    pub fn bytes(self) -> usize {
        self.0
    }
}

/// `Parameters.DeviceIoControl` of the current stack location.
#[derive(Clone, Copy, Debug)]
pub struct Ioctl {
    /// `IoControlCode`.
    pub code: u32,
    /// `InputBufferLength`.
    pub input_len: u32,
    /// `OutputBufferLength`.
    pub output_len: u32,
}

impl Irp {
    /// Takes ownership of an IRP handed to a dispatch routine.
    ///
    /// # Safety
    /// `irp` is the live IRP passed to this driver's dispatch routine, not yet completed.
    pub(crate) unsafe fn from_dispatch(irp: ffi::PIRP) -> Option<Self> {
        let irp = NonNull::new(irp)?;
        // SAFETY: the caller guarantees the IRP is live and being dispatched to us.
        let stack = unsafe { ffi::current_stack_location(irp.as_ptr()) };
        // INVARIANT: the live IRP being dispatched to us and its current stack location.
        Some(Self {
            irp,
            stack: NonNull::new(stack)?,
        })
    }

    fn stack(&self) -> &ffi::IO_STACK_LOCATION {
        // SAFETY: the invariant: the current stack location of a live IRP we own.
        unsafe { self.stack.as_ref() }
    }

    fn raw(&self) -> &ffi::IRP {
        // SAFETY: the invariant: a live IRP we own; fields are read, not written, here.
        unsafe { self.irp.as_ref() }
    }

    /// The mode of the thread that sent the request (`Irp->RequestorMode`). Only the handle
    /// module reads it: it is the one argument a user handle may be referenced with.
    pub(crate) fn requestor_mode(&self) -> ffi::KPROCESSOR_MODE {
        self.raw().RequestorMode
    }

    /// Whether the request came from user mode (`Irp->RequestorMode == UserMode`).
    #[must_use]
    pub fn from_user_mode(&self) -> bool {
        self.requestor_mode() == ffi::typed::USER_MODE
    }

    /// The IOCTL parameters (meaningful for `IRP_MJ_DEVICE_CONTROL` only).
    #[must_use]
    pub fn ioctl(&self) -> Ioctl {
        // SAFETY: dispatch_device_control is the only caller path that builds a
        // DeviceControl view; for other majors the union member is plain integers anyway.
        let (code, input_len, output_len) =
            unsafe { ffi::device_io_control_parameters(self.stack.as_ptr()) };
        Ioctl {
            code,
            input_len,
            output_len,
        }
    }

    /// Whether the request is `METHOD_BUFFERED`: only then are [`Irp::input`] and
    /// the output non-empty (other transfer types carry user addresses, which this
    /// driver never touches).
    #[must_use]
    pub fn is_buffered(&self) -> bool {
        self.ioctl().code & 3 == ffi::METHOD_BUFFERED
    }

    fn system_buffer(&self) -> *mut u8 {
        if !self.is_buffered() {
            return core::ptr::null_mut();
        }
        // SAFETY: a live IRP we own.
        unsafe { ffi::system_buffer(self.irp.as_ptr()) }.cast::<u8>()
    }

    /// The request bytes of a `METHOD_BUFFERED` IOCTL (`InputBufferLength` of them).
    #[must_use]
    pub fn input(&self) -> &[u8] {
        let base = self.system_buffer();
        let len = self.ioctl().input_len as usize;
        if base.is_null() || len == 0 {
            return &[];
        }
        // SAFETY: for METHOD_BUFFERED the I/O manager allocated max(in, out) bytes at
        // SystemBuffer and copied the input there; it lives as long as the IRP.
        unsafe { core::slice::from_raw_parts(base, len) }
    }

    /// Room for the reply (`OutputBufferLength` bytes); overwrites the input.
    fn output(&mut self) -> &mut [u8] {
        let base = self.system_buffer();
        let len = self.ioctl().output_len as usize;
        if base.is_null() || len == 0 {
            return &mut [];
        }
        // SAFETY: as for `input`, and `&mut self` means no input slice is alive.
        unsafe { core::slice::from_raw_parts_mut(base, len) }
    }

    /// The size of the output buffer (`OutputBufferLength` of a `METHOD_BUFFERED` request,
    /// 0 for anything else).
    #[must_use]
    pub fn output_len(&self) -> usize {
        if self.stack().MajorFunction == ffi::typed::IRP_MJ_DEVICE_CONTROL && self.is_buffered() {
            self.ioctl().output_len as usize
        } else {
            0
        }
    }

    /// Lets `write` fill the output buffer and return how many bytes it wrote (a count above
    /// the buffer's size is cut to it).
    ///
    /// # Errors
    /// Whatever `write` fails with.
    pub fn reply_with<E>(
        &mut self,
        write: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<Written, E> {
        let output = self.output();
        let room = output.len();
        write(output).map(|count| Written(count.min(room)))
    }

    /// For `IRP_MJ_CREATE`: whether the open names the device itself (`FileObject->FileName`
    /// empty) rather than something under it (a "namespace open").
    #[must_use]
    pub fn opens_device_itself(&self) -> bool {
        let file = self.stack().FileObject;
        if file.is_null() {
            return true;
        }
        // SAFETY: the I/O manager sets FileObject for create; it lives as long as the IRP.
        let name_len = unsafe { (*file).FileName.Length };
        name_len == 0
    }

    /// The file object of this request (the open it belongs to).
    pub(crate) fn file_object(&self) -> ffi::PFILE_OBJECT {
        self.stack().FileObject
    }

    /// Whether the requesting process is a 32-bit (WOW64) process (`IoIs32bitProcess`).
    ///
    /// IRQL: PASSIVE_LEVEL, in the requestor's context.
    #[must_use]
    pub fn is_32bit_requestor(&self) -> bool {
        // SAFETY: a live IRP we own.
        unsafe { ffi::IoIs32bitProcess(self.irp.as_ptr()) != 0 }
    }

    /// Whether this code runs in the process that sent the request
    /// (`IoGetRequestorProcess(Irp) == PsGetCurrentProcess()`): the precondition for
    /// interpreting any handle value it carries.
    #[must_use]
    pub fn in_requestor_context(&self) -> bool {
        // SAFETY: a live IRP we own.
        let requestor = unsafe { ffi::IoGetRequestorProcess(self.irp.as_ptr()) };
        // SAFETY: no preconditions.
        let current = unsafe { ffi::IoGetCurrentProcess() };
        !requestor.is_null() && requestor == current
    }

    /// Completes the IRP with `STATUS_SUCCESS` and `written` bytes of output (never more than
    /// the output buffer holds) and gives up ownership.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub fn succeed(self, written: Written) -> Dispatched {
        let information = written.0.min(self.output_len());
        let irp = ManuallyDrop::new(self).irp;
        // SAFETY: a live IRP we own, completed once: `self` is consumed without its Drop.
        unsafe { complete(irp, NtStatus::SUCCESS, information) };
        Dispatched(NtStatus::SUCCESS)
    }

    /// Completes the IRP with `error` and no output, and gives up ownership.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub fn fail(self, error: NtError) -> Dispatched {
        let irp = ManuallyDrop::new(self).irp;
        // SAFETY: a live IRP we own, completed once: `self` is consumed without its Drop.
        unsafe { complete(irp, error.status(), 0) };
        Dispatched(error.status())
    }

    /// `IoMarkIrpPending` and hand-off: the IRP will be completed later, by whoever owns the
    /// returned [`PendingIrp`]; the dispatch routine returns `STATUS_PENDING`.
    pub(crate) fn into_pending(self) -> (PendingIrp, Dispatched) {
        let this = ManuallyDrop::new(self);
        // SAFETY: the current stack location of a live IRP we own.
        unsafe { (*this.stack.as_ptr()).Control |= ffi::typed::SL_PENDING_RETURNED };
        // INVARIANT: marked pending; ownership moves to the PendingIrp.
        (PendingIrp { irp: this.irp }, Dispatched(NtStatus::PENDING))
    }
}

impl Drop for Irp {
    /// A driver bug: the IRP was neither completed nor pended. It is failed with
    /// `STATUS_DRIVER_INTERNAL_ERROR` rather than left hanging.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    fn drop(&mut self) {
        // SAFETY: a live IRP we own that nobody completed; Drop runs once.
        unsafe { complete(self.irp, NtError::DRIVER_INTERNAL_ERROR.status(), 0) };
    }
}

/// Sets `IoStatus` and completes `irp`.
///
/// # Safety
/// `irp` is a live IRP the caller owns and never touches again.
unsafe fn complete(irp: NonNull<ffi::IRP>, status: NtStatus, information: usize) {
    // SAFETY: the caller's contract: a live IRP we own; written before completion.
    unsafe { ffi::set_io_status(irp.as_ptr(), status.raw(), information as ffi::ULONG_PTR) };
    // SAFETY: completion hands the IRP back to the I/O manager; the caller never uses it again.
    unsafe { ffi::IofCompleteRequest(irp.as_ptr(), ffi::typed::IO_NO_INCREMENT) };
}

/// An IRP marked pending, owned until completed.
///
/// # Invariants
/// `irp` is a live IRP marked pending by this driver and not yet completed; this value is its
/// only owner, except that a cancel routine set on it may run until cleared.
#[must_use = "a pending IRP must be completed; dropping it fails the request"]
pub struct PendingIrp {
    irp: NonNull<ffi::IRP>,
}

// SAFETY: a pending IRP may be completed from any thread at IRQL <= DISPATCH_LEVEL.
unsafe impl Send for PendingIrp {}

impl PendingIrp {
    /// The IRP's address, to recognise it in a cancel routine.
    pub(crate) fn as_ptr(&self) -> ffi::PIRP {
        self.irp.as_ptr()
    }

    fn cancel_routine_slot(&self) -> &core::sync::atomic::AtomicPtr<core::ffi::c_void> {
        // SAFETY: the invariant: a live IRP; CancelRoutine is a pointer-sized field that the
        // I/O manager and drivers only access atomically (IoSetCancelRoutine is an
        // InterlockedExchangePointer).
        let field = unsafe { &raw mut (*self.irp.as_ptr()).CancelRoutine };
        // SAFETY: the field is pointer-sized and aligned, alive as long as `self`.
        unsafe { core::sync::atomic::AtomicPtr::from_ptr(field.cast()) }
    }

    /// `IoSetCancelRoutine(irp, routine)`.
    pub(crate) fn set_cancel_routine(&self, routine: ffi::PDRIVER_CANCEL) {
        let routine = routine.map_or(core::ptr::null_mut(), |f| f as *mut core::ffi::c_void);
        self.cancel_routine_slot()
            .swap(routine, core::sync::atomic::Ordering::AcqRel);
    }

    /// `IoSetCancelRoutine(irp, NULL) != NULL`: true if the cancel routine was still set, so
    /// it will never run and completing the IRP is ours; false if it has been or is being
    /// called.
    pub(crate) fn clear_cancel_routine(&self) -> bool {
        !self
            .cancel_routine_slot()
            .swap(core::ptr::null_mut(), core::sync::atomic::Ordering::AcqRel)
            .is_null()
    }

    /// `Irp->Cancel`.
    pub(crate) fn cancel_requested(&self) -> bool {
        // SAFETY: the invariant: a live IRP; taking a field's address reads nothing.
        let field = unsafe { &raw const (*self.irp.as_ptr()).Cancel };
        // SAFETY: Cancel is a byte IoCancelIrp may set concurrently; read it once, volatile.
        let cancel = unsafe { core::ptr::read_volatile(field) };
        cancel != 0
    }

    /// Stores two words in `DriverContext` for the cancel routine.
    pub(crate) fn set_driver_context(&self, first: usize, second: usize) {
        // SAFETY: the invariant: a live IRP we own.
        let context = unsafe { ffi::driver_context(self.irp.as_ptr()) };
        // SAFETY: DriverContext is ours while we own the pending IRP.
        unsafe {
            *context = [
                first as ffi::PVOID,
                second as ffi::PVOID,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
            ];
        };
    }

    /// Completes the IRP with `status` and no output. The caller has cleared the cancel
    /// routine (or never set one).
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub(crate) fn complete(self, status: Result<(), NtError>) {
        let status = status.map_or_else(NtError::status, |()| NtStatus::SUCCESS);
        let irp = ManuallyDrop::new(self).irp;
        // SAFETY: a live pending IRP we own, completed once: `self` is consumed without Drop.
        unsafe { complete(irp, status, 0) };
    }
}

impl Drop for PendingIrp {
    /// A driver bug: a pending IRP was dropped. Its cancel routine is cleared and it is failed
    /// with `STATUS_DRIVER_INTERNAL_ERROR` rather than left hanging.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    fn drop(&mut self) {
        let _ = self.clear_cancel_routine();
        // SAFETY: a live pending IRP we own that nobody completed; Drop runs once.
        unsafe { complete(self.irp, NtError::DRIVER_INTERNAL_ERROR.status(), 0) };
    }
}
