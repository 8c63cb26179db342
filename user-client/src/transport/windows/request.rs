//! Requests to the device: the device handle and the events requests complete on (from a
//! per-device pool, so an IOCTL never creates a handle), and a request in flight, which owns
//! its buffers and IO_STATUS_BLOCK until it completes.
use super::win32::{close_handle, create_event};
use crate::status::{self, Status};
use crate::transport::{Outcome, Pended, Reply};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;
use windows_sys::Wdk::System::IO::NtDeviceIoControlFile;
use windows_sys::Win32::Foundation::{HANDLE, WAIT_OBJECT_0};
use windows_sys::Win32::System::IO::{CancelIoEx, IO_STATUS_BLOCK, OVERLAPPED};
use windows_sys::Win32::System::Threading::{ResetEvent, WaitForSingleObject};

/// How long a cancelled request may take to complete before its buffers are given up.
const CANCEL_PATIENCE_MS: u32 = 10_000;

/// What a device and its requests share: the device handle and the spare events. Requests
/// hold it, so the device is closed only after every request has completed.
pub struct Shared {
    /// The device, opened for overlapped I/O.
    pub device: HANDLE,
    spare_events: RefCell<Vec<HANDLE>>,
}

impl Shared {
    /// Takes over `device` (closed on drop) with one spare event.
    ///
    /// # Errors
    /// The status of the failed event creation (the device is closed then).
    pub fn new(device: HANDLE) -> Result<Rc<Self>, Status> {
        let shared = Rc::new(Self {
            device,
            spare_events: RefCell::new(Vec::new()),
        });
        shared.give_event(create_event()?);
        Ok(shared)
    }

    /// A non-signalled event for one request.
    fn take_event(&self) -> Result<HANDLE, Status> {
        let spare = self.spare_events.borrow_mut().pop();
        match spare {
            Some(event) => {
                // SAFETY: a pooled event this device owns; no request is using it.
                unsafe { ResetEvent(event) };
                Ok(event)
            }
            None => create_event(),
        }
    }

    fn give_event(&self, event: HANDLE) {
        self.spare_events.borrow_mut().push(event);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        for event in self.spare_events.take() {
            close_handle(event);
        }
        close_handle(self.device);
    }
}

/// A request in flight; owns its buffers, event and IO_STATUS_BLOCK until it completes.
struct Request {
    shared: Rc<Shared>,
    io_status: Box<IO_STATUS_BLOCK>,
    input: Vec<u8>,
    output: Vec<u8>,
    event: HANDLE,
    done: Option<Status>,
}

impl Request {
    /// The final status once the kernel has completed the request, waiting up to `timeout`.
    /// `IoStatus.Information` is then in `io_status`, and the output truncated to it.
    fn finish(&mut self, timeout_ms: u32) -> Option<Status> {
        if self.done.is_some() {
            return self.done;
        }
        // SAFETY: the request's own event, signalled when the pending request completes.
        if unsafe { WaitForSingleObject(self.event, timeout_ms) } != WAIT_OBJECT_0 {
            return None;
        }
        // SAFETY: the request completed, so the kernel wrote the status member of the union.
        let completed = unsafe { self.io_status.Anonymous.Status };
        self.complete(completed)
    }

    fn complete(&mut self, status: Status) -> Option<Status> {
        self.output
            .truncate(self.io_status.Information.min(self.output.len()));
        self.done = Some(status);
        self.done
    }

    fn cancel_io(&mut self) {
        let overlapped = (&raw mut *self.io_status).cast::<OVERLAPPED>();
        // SAFETY: a request issued on this device; CancelIoEx finds it by the address of its
        // IO_STATUS_BLOCK, which an OVERLAPPED begins with.
        unsafe { CancelIoEx(self.shared.device, overlapped) };
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if self.done.is_none() {
            self.cancel_io();
            if self.finish(CANCEL_PATIENCE_MS).is_none() {
                // The kernel may still write here: give the buffers and the event up rather
                // than free them under it.
                std::mem::forget(std::mem::take(&mut self.io_status));
                std::mem::forget(std::mem::take(&mut self.input));
                std::mem::forget(std::mem::take(&mut self.output));
                return;
            }
        }
        self.shared.give_event(self.event);
    }
}

impl Request {
    /// The completed request's reply (its output is taken: call once, after completion).
    fn reply(&mut self, status: Status) -> Reply {
        Reply {
            status,
            information: u64::try_from(self.io_status.Information).unwrap_or(u64::MAX),
            output: std::mem::take(&mut self.output),
        }
    }
}

impl Pended for Request {
    fn poll(&mut self) -> Option<Reply> {
        let status = self.finish(0)?;
        Some(self.reply(status))
    }

    fn wait(&mut self, timeout_ms: u32) -> Option<(Reply, u64)> {
        let started = Instant::now();
        let status = self.finish(timeout_ms)?;
        Some((
            self.reply(status),
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        ))
    }

    fn cancel(&mut self) {
        if self.done.is_none() {
            self.cancel_io();
            let _ = self.finish(CANCEL_PATIENCE_MS);
        }
    }
}

/// `NtDeviceIoControlFile` on the device: done, or pending with its buffers owned here.
pub fn send(shared: &Rc<Shared>, code: u32, input: &[u8], output_len: usize) -> Outcome {
    let event = match shared.take_event() {
        Ok(event) => event,
        Err(status) => return Outcome::Done(Reply::status(status)),
    };
    let mut request = Request {
        shared: Rc::clone(shared),
        io_status: Box::default(),
        input: input.to_vec(),
        output: vec![0; output_len],
        event,
        done: None,
    };
    let in_len = u32::try_from(request.input.len()).unwrap_or(u32::MAX);
    let out_len = u32::try_from(request.output.len()).unwrap_or(u32::MAX);
    // SAFETY: the buffers, event and IO_STATUS_BLOCK live in `request` until the request
    // completes (Request's Drop cancels and waits, or gives them up); no APC.
    let status = unsafe {
        NtDeviceIoControlFile(
            shared.device,
            event,
            None,
            std::ptr::null(),
            &raw mut *request.io_status,
            code,
            request.input.as_ptr().cast(),
            in_len,
            request.output.as_mut_ptr().cast(),
            out_len,
        )
    };
    if status == status::STATUS_PENDING {
        if request.finish(0).is_none() {
            return Outcome::Pending(Box::new(request));
        }
    } else {
        // Completed in the call: the returned status is the driver's. A request that
        // failed before reaching the driver leaves the IO_STATUS_BLOCK as it was (zero).
        request.complete(status);
    }
    let status = request.done.unwrap_or(status);
    Outcome::Done(request.reply(status))
}
