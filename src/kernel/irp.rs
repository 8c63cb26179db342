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
        Some(Self { irp, stack: NonNull::new(stack)? })
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
        Ioctl { code, input_len, output_len }
    }

    /// The buffers of a `METHOD_BUFFERED` request, or `None` for any other transfer type
    /// (whose buffers are user addresses this driver never touches).
    pub fn buffered(&mut self) -> Option<Buffered<'_>> {
        let ioctl = self.ioctl();
        if ioctl.code & 3 != ffi::METHOD_BUFFERED {
            return None;
        }
        // SAFETY: a live IRP we own.
        let base = unsafe { ffi::system_buffer(self.irp.as_ptr()) }.cast::<u8>();
        let input_len = usize::try_from(ioctl.input_len).ok()?;
        let output_len = usize::try_from(ioctl.output_len).ok()?;
        Some(Buffered { base, input_len, output_len, _irp: core::marker::PhantomData })
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
        unsafe { ffi::set_io_status(self.irp.as_ptr(), status.raw(), information as ffi::ULONG_PTR) };
        // SAFETY: completion hands the IRP back to the I/O manager; `self` is consumed, so
        // nothing can touch it afterwards.
        unsafe { ffi::IofCompleteRequest(self.irp.as_ptr(), ffi::IO_NO_INCREMENT as ffi::CCHAR) };
        Dispatched(status)
    }
}

/// The system buffer of a `METHOD_BUFFERED` IOCTL: `max(input, output)` bytes, input first.
pub struct Buffered<'irp> {
    base: *mut u8,
    input_len: usize,
    output_len: usize,
    _irp: core::marker::PhantomData<&'irp mut Irp>,
}

impl Buffered<'_> {
    /// The request bytes (`InputBufferLength` of them).
    #[must_use]
    pub fn input(&self) -> &[u8] {
        if self.base.is_null() || self.input_len == 0 {
            return &[];
        }
        // SAFETY: for METHOD_BUFFERED the I/O manager allocated max(in, out) bytes at
        // SystemBuffer and copied the input there; the borrow of the Irp keeps it alive.
        unsafe { core::slice::from_raw_parts(self.base, self.input_len) }
    }

    /// Room for the reply (`OutputBufferLength` bytes); overwrites the input.
    pub fn output(&mut self) -> &mut [u8] {
        if self.base.is_null() || self.output_len == 0 {
            return &mut [];
        }
        // SAFETY: as for `input`, and `&mut self` means no input slice is alive.
        unsafe { core::slice::from_raw_parts_mut(self.base, self.output_len) }
    }
}
