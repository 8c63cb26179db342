//! The embedded transport: the model kernel (`ntmodel`) in this process, with the real
//! driver code loaded (`handleguard::DriverEntry`) and a user process for hgctl. The default
//! off Windows. The clock is virtual: waiting moves it straight to the next due timer (or the
//! deadline), so the driver's timers and DPCs fire exactly when due, nothing sleeps, and a
//! wait of 49 days takes no longer than one of a millisecond.
use super::{
    Fixture, Forward, HandleRow, NameRow, Outcome, Pended, Pipe, ProcessRow, READABLE_CONTENT,
    Reply, Transport, VerifierStop,
};
use crate::explain::{Op, explain_for};
use crate::failure::Failure;
use crate::status::{self, Status};
use nt_bindings as nt;
use ntmodel::{
    EventKind, FileOpen, FileSecurity, IoOutcome, Kernel, PendingIrp, Process, TraceEvent, User,
};

mod names;
use std::cell::Cell;
use std::rc::Rc;

/// The user hgctl runs as in the model.
pub const USER: &str = "hgctl-user";
/// A file `USER` may read.
pub const READABLE: &str = r"\??\C:\handleguard\readable.txt";
/// A file only `root` may read.
pub const SECRET: &str = r"\??\C:\handleguard\secret.txt";

struct Machine {
    kernel: Kernel,
    hgctl: Process,
    other: Process,
    shut_down: Cell<bool>,
    /// The deliberately vulnerable twin driver is loaded beside handleguard.
    twin: bool,
    /// The number in the name of the next pipe a scenario makes.
    next_pipe: Cell<u32>,
    /// `--trace`: what the drivers did is printed after each request.
    trace: bool,
}

impl Machine {
    /// Ends both processes (their handles close, their opens of the device are cleaned up)
    /// and unloads the drivers (the twin first); the model's leak report if a driver left
    /// anything behind.
    fn shut_down(&self) -> Result<(), String> {
        if self.shut_down.replace(true) {
            return Ok(());
        }
        self.hgctl.exit();
        self.other.exit();
        let failed = |report: ntmodel::LeakReport| {
            format!(
                "the model kernel's unload check failed (a driver bug):\n{}",
                report.to_string().trim_end()
            )
        };
        if self.twin {
            self.kernel
                .unload_driver_as(handleguard_twin::SERVICE)
                .map_err(failed)?;
        }
        let unloaded = self.kernel.unload_driver_as(SERVICE).map_err(failed);
        self.show_trace("closes and DriverUnload");
        unloaded
    }

    /// With `--trace`, prints to standard error every kernel call a driver made since the
    /// last time (routine, arguments and result as the model renders them), its `DbgPrint`
    /// lines and any verifier stop, under the heading `what`.
    fn show_trace(&self, what: &str) {
        if !self.trace {
            return;
        }
        let lines: Vec<String> = self
            .kernel
            .take_trace()
            .iter()
            .filter_map(|event| match event {
                TraceEvent::Call(call) => call
                    .driver
                    .as_ref()
                    .map(|driver| format!("  [{driver}] {call}")),
                other => Some(format!("  {other}")),
            })
            .collect();
        if !lines.is_empty() {
            eprintln!("trace: {what}:\n{}", lines.join("\n"));
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

/// The service handleguard loads as.
const SERVICE: &str = "handleguard";

/// An open of the device in the model.
pub struct ModelDevice {
    machine: Rc<Machine>,
    path: String,
    device: u64,
}

impl ModelDevice {
    /// Boots a model kernel, loads the driver (and with `twin` the deliberately vulnerable
    /// twin beside it, `\\.\HandleGuardTwin`) and opens `path` as `USER`.
    ///
    /// # Errors
    /// When a driver fails to load or the device does not open (with the status).
    pub fn boot(path: &str, twin: bool, trace: bool) -> Result<Self, Failure> {
        let kernel = Kernel::new();
        kernel.set_trace(trace);
        kernel.add_file(
            READABLE,
            READABLE_CONTENT,
            &FileSecurity::readable_by(&[USER]),
        );
        kernel.add_file(
            SECRET,
            b"root only\n",
            &FileSecurity::readable_by(&["root"]).owned_by("root"),
        );
        let loaded = kernel.load_driver_as(SERVICE, handleguard::DriverEntry);
        if loaded != nt::STATUS_SUCCESS {
            let mut failure =
                Failure::new(format!("DriverEntry failed: {}", status::explain(loaded)));
            failure.status = Some(loaded);
            return Err(failure);
        }
        if twin {
            let loaded =
                kernel.load_driver_as(handleguard_twin::SERVICE, handleguard_twin::DriverEntry);
            if loaded != nt::STATUS_SUCCESS {
                let mut failure = Failure::new(format!(
                    "the twin's DriverEntry failed: {}",
                    status::explain(loaded)
                ));
                failure.status = Some(loaded);
                return Err(failure);
            }
        }
        let machine = Rc::new(Machine {
            hgctl: kernel.create_process("hgctl.exe", User::new(USER)),
            other: kernel.create_process("other.exe", User::new("someone-else")),
            kernel,
            shut_down: Cell::new(false),
            twin,
            next_pipe: Cell::new(0),
            trace,
        });
        machine.show_trace("DriverEntry");
        if path.is_empty() {
            return Err(Failure::usage("--device: the path is empty"));
        }
        let opened = machine
            .hgctl
            .open(path, nt::GENERIC_READ | nt::GENERIC_WRITE);
        machine.show_trace(&format!("open of {path}"));
        let mut device = Self {
            machine,
            path: path.to_string(),
            device: 0,
        };
        match opened {
            Ok(handle) => {
                device.device = handle;
                Ok(device)
            }
            Err(failed) => Err(Failure::status(Op::OpenDevice, failed)
                .with_prefix(&format!("cannot open {path} on the model: "))
                .with_hint(device.hint(Op::OpenDevice, failed))),
        }
    }

    /// Closes the device, ends the processes and unloads the driver: the model's verdict on
    /// what the driver left behind.
    ///
    /// # Errors
    /// The leak report, if anything leaked.
    pub fn shut_down(self) -> Result<(), String> {
        let machine = Rc::clone(&self.machine);
        drop(self);
        machine.shut_down()
    }
}

impl Drop for ModelDevice {
    fn drop(&mut self) {
        if self.device != 0 {
            let _ = self.machine.hgctl.close(self.device);
        }
    }
}

fn reply_of(outcome: IoOutcome, machine: &Rc<Machine>) -> Outcome {
    match outcome {
        IoOutcome::Done {
            status,
            information,
            output,
        } => Outcome::Done(Reply {
            status,
            information,
            output,
        }),
        IoOutcome::Pending(irp) => Outcome::Pending(Box::new(ModelPended {
            machine: Rc::clone(machine),
            irp,
        })),
    }
}

struct ModelPended {
    machine: Rc<Machine>,
    irp: PendingIrp,
}

impl Pended for ModelPended {
    fn poll(&mut self) -> Option<Reply> {
        self.irp
            .outcome()
            .map(|(status, information, output)| Reply {
                status,
                information,
                output,
            })
    }

    fn wait(&mut self, timeout_ms: u32) -> Option<(Reply, u64)> {
        // The clock jumps to the next due timer, never a millisecond at a time.
        let kernel = self.machine.kernel.clone();
        let mut reply = None;
        let waited = kernel.advance_until(timeout_ms, || {
            reply = self.poll();
            reply.is_some()
        });
        self.machine.show_trace("timers and DPCs while waiting");
        reply.zip(waited)
    }

    fn cancel(&mut self) {
        let _ = self.machine.hgctl.cancel(&self.irp);
    }
}

impl Transport for ModelDevice {
    fn name(&self) -> &'static str {
        "model"
    }

    fn device_path(&self) -> &str {
        &self.path
    }

    fn clock(&self) -> &'static str {
        "virtual"
    }

    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome {
        let outcome = self
            .machine
            .hgctl
            .ioctl(self.device, code, input, output_len);
        self.machine
            .show_trace(&format!("IOCTL {code:#010x}, {} bytes in", input.len()));
        reply_of(outcome, &self.machine)
    }

    fn ioctl_forwarded(
        &self,
        how: Forward,
        code: u32,
        input: &[u8],
        output_len: usize,
    ) -> Option<Outcome> {
        let hgctl = &self.machine.hgctl;
        let outcome = match how {
            Forward::OtherContext => {
                let worker = self.machine.kernel.system();
                hgctl.ioctl_dispatched_in(&worker, self.device, code, input, output_len)
            }
            Forward::KernelMode => hgctl.ioctl_from_kernel(self.device, code, input, output_len),
        };
        self.machine.show_trace(&format!(
            "IOCTL {code:#010x} ({how:?}), {} bytes in",
            input.len()
        ));
        Some(reply_of(outcome, &self.machine))
    }

    fn forwards(&self) -> bool {
        true
    }

    fn reopen(&self) -> Result<Box<dyn Transport>, String> {
        let device = self
            .machine
            .hgctl
            .open(&self.path, nt::GENERIC_READ | nt::GENERIC_WRITE)
            .map_err(|failed| explain_for(Op::OpenDevice, failed))?;
        Ok(Box::new(Self {
            machine: Rc::clone(&self.machine),
            path: self.path.clone(),
            device,
        }))
    }

    fn try_open(&self, path: &str) -> Status {
        match self.machine.hgctl.open(path, nt::GENERIC_READ) {
            Ok(handle) => {
                let _ = self.machine.hgctl.close(handle);
                nt::STATUS_SUCCESS
            }
            Err(failed) => failed,
        }
    }

    fn create_event(&self, access: u32) -> Result<u64, Status> {
        Ok(self
            .machine
            .hgctl
            .create_event(access, EventKind::Notification, false))
    }

    fn open_file(&self, path: &str, access: u32, overlapped: bool) -> Result<u64, Status> {
        let how = if overlapped {
            FileOpen::Asynchronous
        } else {
            FileOpen::Synchronous
        };
        self.machine
            .hgctl
            .open_file(&super::nt_path(path), access, how)
    }

    fn close(&self, handle: u64) {
        let _ = self.machine.hgctl.close(handle);
    }

    fn is_signaled(&self, handle: u64) -> Result<bool, Status> {
        // A zero-timeout wait: needs SYNCHRONIZE, as WaitForSingleObject does.
        self.machine.hgctl.wait(handle)
    }

    fn wait(&self, handle: u64, timeout_ms: u32) -> Result<Option<u64>, Status> {
        // The clock jumps to the next due timer, never a millisecond at a time.
        self.machine.hgctl.wait_for(handle, timeout_ms)
    }

    fn set_event(&self, handle: u64) -> Status {
        self.machine.hgctl.set_event(handle)
    }

    fn duplicate(&self, handle: u64, access: u32) -> Result<u64, Status> {
        self.machine.hgctl.duplicate(handle, access)
    }

    fn elapse(&self, ms: u32) {
        self.machine.kernel.advance_ms(u64::from(ms));
    }

    fn foreign_handle(&self) -> Result<u64, String> {
        let mine = self.machine.hgctl.handles();
        for _ in 0..4096 {
            let theirs = self.machine.other.create_event(
                nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
                EventKind::Notification,
                false,
            );
            if !mine.contains(&theirs) {
                return Ok(theirs);
            }
        }
        Err("every handle value of the second process is also open in hgctl's".into())
    }

    fn device_handle(&self) -> u64 {
        self.device
    }

    fn named_pipe_with_data(&self, data: &[u8]) -> Result<Pipe, String> {
        let hgctl = &self.machine.hgctl;
        let number = self.machine.next_pipe.get();
        self.machine.next_pipe.set(number + 1);
        let name = format!("handleguard-selftest-{number}");
        let server = hgctl.create_named_pipe(&name).map_err(status::explain)?;
        let client = hgctl
            .open(&format!(r"\\.\pipe\{name}"), nt::GENERIC_READ)
            .map_err(status::explain)?;
        hgctl.write_file(server, data).map_err(status::explain)?;
        Ok(Pipe { client, server })
    }

    fn pipe_bytes_waiting(&self, client: u64) -> Result<usize, Status> {
        self.machine.hgctl.peek_named_pipe(client)
    }

    fn kernel_handle(&self) -> u64 {
        self.machine.kernel.kernel_handle_of_some_object()
    }

    fn pool_charged(&self) -> Result<usize, String> {
        Ok(self.machine.hgctl.pool_charged())
    }

    fn readable_file(&self) -> Result<Fixture, String> {
        Ok(Fixture {
            nt_path: READABLE.to_string(),
            path: READABLE.to_string(),
            content: READABLE_CONTENT,
        })
    }

    fn unreadable_file(&self) -> Result<String, String> {
        Ok(SECRET.to_string())
    }

    fn open_self(&self, thread: bool, access: u32) -> Result<u64, Status> {
        self.machine.hgctl.open_self(thread, access)
    }

    fn handles(&self) -> Result<Vec<HandleRow>, String> {
        Ok(self
            .machine
            .hgctl
            .handle_table()
            .into_iter()
            .map(|handle| HandleRow {
                value: handle.value,
                type_name: handle.type_name.to_string(),
                granted: handle.granted,
                name: handle.name,
            })
            .collect())
    }

    fn names(&self) -> Result<(Vec<NameRow>, Vec<ProcessRow>), String> {
        Ok(names::list(&self.machine.kernel, &self.machine.hgctl))
    }

    fn hint(&self, op: Op, status: Status) -> Option<String> {
        names::hint(&self.machine.kernel, op, status)
    }

    fn hold_verifier_stops(&self) {
        self.machine.kernel.hold_verifier_stops(true);
    }

    fn take_verifier_stops(&self) -> Vec<VerifierStop> {
        self.machine
            .kernel
            .take_verifier_stops()
            .into_iter()
            .map(|stop| VerifierStop {
                code: stop.code,
                name: stop.name(),
                params: stop.params,
                message: stop.message,
            })
            .collect()
    }
}
