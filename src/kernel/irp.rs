//! IRPs as the dispatch routines see them: accessors for the current stack location, the
//! METHOD_BUFFERED system buffer, and completion exactly once (completing consumes the `Irp`).
use super::ffi;
use super::status::NtStatus;
use core::ptr::NonNull;

/// An IRP this driver is dispatching and has not yet completed or pended.
///
/// # Invariants
/// `irp` is a live IRP sent to this driver, `stack` its current stack location; this value is
/// the only owner until it is consumed by [`Irp::complete`] (or a pending hand-off).
pub struct Irp {
    irp: NonNull<ffi::IRP>,
    stack: NonNull<ffi::IO_STACK_LOCATION>,
}

/// Proof that a dispatch routine disposed of its IRP; carries the status to return.
#[must_use = "a dispatch routine returns the status of the IRP it completed"]
pub struct Dispatched(NtStatus);

impl Dispatched {
    /// The status the dispatch routine returns.
    pub(super) fn status(&self) -> NtStatus {
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
    pub(super) unsafe fn from_dispatch(irp: ffi::PIRP) -> Option<Self> {
        let irp = NonNull::new(irp)?;
        // SAFETY: the caller guarantees the IRP is live and being dispatched to us.
        let stack = unsafe { ffi::current_stack_location(irp.as_ptr()) };
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
    pub(super) fn requestor_mode(&self) -> ffi::KPROCESSOR_MODE {
        self.raw().RequestorMode
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
    /// [`Irp::output`] non-empty (other transfer types carry user addresses, which this
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
    pub fn output(&mut self) -> &mut [u8] {
        let base = self.system_buffer();
        let len = self.ioctl().output_len as usize;
        if base.is_null() || len == 0 {
            return &mut [];
        }
        // SAFETY: as for `input`, and `&mut self` means no input slice is alive.
        unsafe { core::slice::from_raw_parts_mut(base, len) }
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
    pub(super) fn file_object(&self) -> ffi::PFILE_OBJECT {
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

    /// Completes the IRP with `status` and `information` bytes and gives up ownership.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub fn complete(self, status: NtStatus, information: usize) -> Dispatched {
        // SAFETY: a live IRP we own; written before completion.
        unsafe {
            ffi::set_io_status(
                self.irp.as_ptr(),
                status.raw(),
                information as ffi::ULONG_PTR,
            );
        };
        // SAFETY: completion hands the IRP back to the I/O manager; `self` is consumed, so
        // nothing can touch it afterwards.
        unsafe { ffi::IofCompleteRequest(self.irp.as_ptr(), ffi::typed::IO_NO_INCREMENT) };
        Dispatched(status)
    }
}

impl Irp {
    /// `IoMarkIrpPending` and hand-off: the IRP will be completed later, by whoever owns the
    /// returned [`PendingIrp`]; the dispatch routine returns `STATUS_PENDING`.
    pub(super) fn into_pending(self) -> (PendingIrp, Dispatched) {
        // SAFETY: the current stack location of a live IRP we own.
        unsafe { (*self.stack.as_ptr()).Control |= ffi::typed::SL_PENDING_RETURNED };
        (PendingIrp { irp: self.irp }, Dispatched(NtStatus::PENDING))
    }
}

/// An IRP marked pending, owned until completed.
///
/// # Invariants
/// `irp` is a live IRP marked pending by this driver and not yet completed; this value is its
/// only owner, except that a cancel routine set on it may run until cleared.
pub struct PendingIrp {
    irp: NonNull<ffi::IRP>,
}

// SAFETY: a pending IRP may be completed from any thread at IRQL <= DISPATCH_LEVEL.
unsafe impl Send for PendingIrp {}

impl PendingIrp {
    /// The IRP's address, to recognise it in a cancel routine.
    pub(super) fn as_ptr(&self) -> ffi::PIRP {
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
    pub(super) fn set_cancel_routine(&self, routine: ffi::PDRIVER_CANCEL) {
        let routine = routine.map_or(core::ptr::null_mut(), |f| f as *mut core::ffi::c_void);
        self.cancel_routine_slot()
            .swap(routine, core::sync::atomic::Ordering::AcqRel);
    }

    /// `IoSetCancelRoutine(irp, NULL) != NULL`: true if the cancel routine was still set, so
    /// it will never run and completing the IRP is ours; false if it has been or is being
    /// called.
    pub(super) fn clear_cancel_routine(&self) -> bool {
        !self
            .cancel_routine_slot()
            .swap(core::ptr::null_mut(), core::sync::atomic::Ordering::AcqRel)
            .is_null()
    }

    /// `Irp->Cancel`.
    pub(super) fn cancel_requested(&self) -> bool {
        // SAFETY: the invariant: a live IRP; taking a field's address reads nothing.
        let field = unsafe { &raw const (*self.irp.as_ptr()).Cancel };
        // SAFETY: Cancel is a byte IoCancelIrp may set concurrently; read it once, volatile.
        let cancel = unsafe { core::ptr::read_volatile(field) };
        cancel != 0
    }

    /// Stores two words in `DriverContext` for the cancel routine.
    pub(super) fn set_driver_context(&self, first: usize, second: usize) {
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

    /// Completes the IRP with `status`.
    ///
    /// IRQL: <= DISPATCH_LEVEL.
    pub(super) fn complete(self, status: NtStatus) {
        let irp = core::mem::ManuallyDrop::new(self).irp.as_ptr();
        // SAFETY: a live pending IRP we own.
        unsafe { ffi::set_io_status(irp, status.raw(), 0) };
        // SAFETY: completion hands the IRP back; `self` is consumed.
        unsafe { ffi::IofCompleteRequest(irp, ffi::typed::IO_NO_INCREMENT) };
    }
}
