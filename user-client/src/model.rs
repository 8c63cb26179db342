//! The embedded transport: the model kernel (`ntmodel`) in this process, with the real
//! driver code loaded (`handleguard::DriverEntry`) and a user process for hgctl. The default
//! off Windows. The clock is virtual: waiting advances it.
use crate::transport::{Outcome, Pended, Reply, Status, Transport};
use handleguard_protocol as protocol;
use nt_bindings as nt;
use ntmodel::{EventKind, FileOpen, FileSecurity, IoOutcome, Kernel, PendingIrp, Process, User};
use std::rc::Rc;

/// The user hgctl runs as in the model.
pub const USER: &str = "hgctl-user";
/// Files the model's namespace holds for the scenarios.
pub const READABLE: &str = r"\??\C:\handleguard\readable.txt";
/// A file only `root` may read.
pub const SECRET: &str = r"\??\C:\handleguard\secret.txt";

struct Machine {
    kernel: Kernel,
    hgctl: Process,
    other: Process,
}

impl Drop for Machine {
    fn drop(&mut self) {
        self.hgctl.exit();
        self.other.exit();
        let _ = self.kernel.unload_driver();
    }
}

/// An open of `\\.\HandleGuard` in the model.
pub struct ModelDevice {
    machine: Rc<Machine>,
    device: u64,
}

impl ModelDevice {
    /// Boots a model kernel, loads the driver and opens the device as `USER`.
    ///
    /// # Errors
    /// When the driver fails to load or the device does not open.
    pub fn boot() -> Result<Self, String> {
        let kernel = Kernel::new();
        kernel.add_file(
            READABLE,
            b"handleguard: a file the user may read\n",
            &FileSecurity::readable_by(&[USER]),
        );
        kernel.add_file(
            SECRET,
            b"root only\n",
            &FileSecurity::readable_by(&["root"]).owned_by("root"),
        );
        let status = kernel.load_driver(handleguard::DriverEntry);
        if status != nt::STATUS_SUCCESS {
            return Err(format!(
                "DriverEntry failed: {}",
                crate::status::explain(status)
            ));
        }
        let hgctl = kernel.create_process("hgctl.exe", User::new(USER));
        let other = kernel.create_process("other.exe", User::new("someone-else"));
        let device = hgctl
            .open(
                protocol::DEVICE_WIN32_PATH,
                nt::GENERIC_READ | nt::GENERIC_WRITE,
            )
            .map_err(|status| {
                format!("cannot open the device: {}", crate::status::explain(status))
            })?;
        Ok(Self {
            machine: Rc::new(Machine {
                kernel,
                hgctl,
                other,
            }),
            device,
        })
    }
}

impl Drop for ModelDevice {
    fn drop(&mut self) {
        let _ = self.machine.hgctl.close(self.device);
    }
}

struct ModelPended {
    machine: Rc<Machine>,
    irp: PendingIrp,
}

impl Pended for ModelPended {
    fn poll(&mut self) -> Option<Status> {
        self.irp.result().map(|(status, _)| status)
    }

    fn cancel(&mut self) {
        let _ = self.machine.hgctl.cancel(&self.irp);
    }
}

impl Transport for ModelDevice {
    fn name(&self) -> &'static str {
        "model"
    }

    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome {
        match self
            .machine
            .hgctl
            .ioctl(self.device, code, input, output_len)
        {
            IoOutcome::Done { status, output, .. } => Outcome::Done(Reply { status, output }),
            IoOutcome::Pending(irp) => Outcome::Pending(Box::new(ModelPended {
                machine: Rc::clone(&self.machine),
                irp,
            })),
        }
    }

    fn reopen(&self) -> Result<Box<dyn Transport>, String> {
        let device = self
            .machine
            .hgctl
            .open(
                protocol::DEVICE_WIN32_PATH,
                nt::GENERIC_READ | nt::GENERIC_WRITE,
            )
            .map_err(crate::status::explain)?;
        Ok(Box::new(Self {
            machine: Rc::clone(&self.machine),
            device,
        }))
    }

    fn try_open(&self, path: &str) -> Status {
        match self.machine.hgctl.open(path, nt::GENERIC_READ) {
            Ok(handle) => {
                let _ = self.machine.hgctl.close(handle);
                nt::STATUS_SUCCESS
            }
            Err(status) => status,
        }
    }

    fn create_event(&self, access: u32) -> Result<u64, String> {
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
        self.machine.hgctl.open_file(path, access, how)
    }

    fn close(&self, handle: u64) {
        let _ = self.machine.hgctl.close(handle);
    }

    fn is_signaled(&self, handle: u64) -> Result<bool, Status> {
        self.machine.hgctl.is_signaled(handle)
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
        let mut theirs = 0;
        while theirs == 0 || mine.contains(&theirs) {
            theirs = self.machine.other.create_event(
                nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
                EventKind::Notification,
                false,
            );
        }
        Ok(theirs)
    }

    fn kernel_handle(&self) -> u64 {
        self.machine.kernel.kernel_handle_of_some_object()
    }

    fn readable_file(&self) -> Result<(String, String), String> {
        Ok((READABLE.to_string(), READABLE.to_string()))
    }

    fn unreadable_file(&self) -> Option<String> {
        Some(SECRET.to_string())
    }
}
