//! The test-facing kernel: create one per test, load a driver, set up the registry and the
//! file namespace, move the clock, unload and get the leak report. Observers (objects, pool,
//! the debug log, verifier stops) are in `inspect.rs`; the calls that create or address
//! user-mode processes belong to the user-mode API (`api::user`). Every method is safe;
//! `Kernel` is `Clone + Send + Sync`.
use crate::consts::{KERNEL_MODE, PASSIVE_LEVEL, USER_MODE};
use crate::loader::{self, DriverEntryFn};
use crate::machine::context::{self, system_context};
use crate::machine::{Machine, Subsystems};
use crate::registry::Value;
use crate::report::LeakReport;
use crate::security::Security;
use crate::verifier::Stop;
use nt_bindings as nt;
use std::sync::Arc;

/// The previous mode a [`Kernel::run_in`] call runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviousMode {
    /// `KernelMode` (0).
    KernelMode,
    /// `UserMode` (1).
    UserMode,
}

impl PreviousMode {
    /// The `KPROCESSOR_MODE` value.
    #[must_use]
    pub fn raw(self) -> i8 {
        match self {
            Self::KernelMode => KERNEL_MODE,
            Self::UserMode => USER_MODE,
        }
    }
}

/// Who may open a file of the model's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSecurity {
    owner: String,
    readers: Vec<String>,
}

impl FileSecurity {
    /// Readable (`FILE_GENERIC_READ | FILE_GENERIC_EXECUTE`) by these users; owned by SYSTEM
    /// unless [`FileSecurity::owned_by`] says otherwise.
    #[must_use]
    pub fn readable_by(users: &[&str]) -> Self {
        Self {
            owner: "SYSTEM".to_owned(),
            readers: users.iter().map(|user| (*user).to_owned()).collect(),
        }
    }

    /// Readable by everyone.
    #[must_use]
    pub fn everyone() -> Self {
        Self::readable_by(&["*"])
    }

    /// Only SYSTEM (and the owner, if set) may open it.
    #[must_use]
    pub fn private() -> Self {
        Self::readable_by(&[])
    }

    /// Full access for `user`.
    #[must_use]
    pub fn owned_by(mut self, user: &str) -> Self {
        user.clone_into(&mut self.owner);
        self
    }

    pub(crate) fn security(&self) -> Security {
        Security {
            owner: self.owner.clone(),
            readers: self.readers.clone(),
            read_access: nt::FILE_GENERIC_READ | nt::FILE_GENERIC_EXECUTE,
            dacl: None,
        }
    }
}

/// One model kernel (a "machine"). Clones share it.
#[derive(Clone)]
pub struct Kernel {
    pub(crate) inner: Arc<Machine>,
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kernel#{}", self.inner.id)
    }
}

impl Kernel {
    /// A fresh kernel with its System process; it becomes the current kernel of this thread
    /// (System process, `KernelMode`, `PASSIVE_LEVEL`), so exports can be called directly.
    #[must_use]
    pub fn new() -> Self {
        std::hint::black_box(crate::exports::routine_table());
        crate::routines::register_routine_lookup(crate::exports::routine_address);
        let state = Subsystems::boot();
        let inner = Arc::new(Machine::new(state));
        context::set_base(system_context(&inner, PASSIVE_LEVEL));
        Self { inner }
    }

    /// Makes `MmGetSystemRoutineAddress` return NULL for `routine` (e.g. "ExAllocatePool2", as
    /// on Windows before 10 2004).
    pub fn hide_routine(&self, routine: &str) {
        self.inner.lock().hidden_routines.insert(routine.to_owned());
    }

    /// Driver Verifier's low resources simulation, aimed: the next `count` pool allocations
    /// tagged `tag` (the `u32` the driver passes) fail as if the pool were exhausted.
    pub fn fail_pool_allocations(&self, tag: u32, count: u32) {
        self.inner.lock().pool.fail_next(tag, count);
    }

    /// Sets a `REG_DWORD` value (creating the key).
    pub fn set_registry_dword(&self, key: &str, name: &str, value: u32) {
        self.set_registry_value(key, name, nt::REG_DWORD, &value.to_le_bytes());
    }

    /// Sets a value of any type (creating the key).
    pub fn set_registry_value(&self, key: &str, name: &str, kind: u32, data: &[u8]) {
        self.inner.lock().registry.set_value(
            key,
            name,
            Value {
                kind,
                data: data.to_vec(),
            },
        );
    }

    /// Creates a key with no values.
    pub fn create_registry_key(&self, key: &str) {
        self.inner.lock().registry.create_key(key);
    }

    /// Deletes a value; whether it existed.
    #[must_use]
    pub fn delete_registry_value(&self, key: &str, name: &str) -> bool {
        self.inner.lock().registry.delete_value(key, name)
    }

    /// Adds a file (`\??\C:\data\a.txt`) with content and security.
    pub fn add_file(&self, path: &str, content: &[u8], security: &FileSecurity) {
        self.inner
            .lock()
            .files
            .add(path, content.to_vec(), security.security());
    }

    /// Loads a driver as service "handleguard": calls `DriverEntry` in the System process.
    ///
    /// # Panics
    /// If the verifier stopped during `DriverEntry`.
    pub fn load_driver(&self, entry: DriverEntryFn) -> nt::NTSTATUS {
        self.load_driver_as("handleguard", entry)
    }

    /// Loads a driver under a service name (registry path
    /// `\Registry\Machine\System\CurrentControlSet\Services\<service>`). Drivers load side
    /// by side, each under its own name; a name already loaded is
    /// `STATUS_IMAGE_ALREADY_LOADED`.
    ///
    /// # Panics
    /// If the verifier stopped during `DriverEntry`.
    pub fn load_driver_as(&self, service: &str, entry: DriverEntryFn) -> nt::NTSTATUS {
        let before = self.inner.lock().verifier.stops.len();
        let status = loader::load(&self.inner, service, entry);
        self.panic_on_new_stops("DriverEntry", before);
        status
    }

    /// Calls `DriverUnload` (System process, `PASSIVE_LEVEL`) of the driver loaded last and
    /// checks what it left: references, kernel handles, pool, devices, links, timers, DPCs,
    /// IRPs (its own, and what test code did calling exports directly).
    ///
    /// # Errors
    /// The leak report when anything leaked, a stop happened during unload, or unload was
    /// refused (no driver, files still open, no `DriverUnload`).
    #[allow(
        clippy::result_large_err,
        reason = "the report is the point of the call; unload is not a hot path"
    )]
    pub fn unload_driver(&self) -> Result<(), LeakReport> {
        loader::unload(&self.inner, None)
    }

    /// [`Kernel::unload_driver`] for the driver loaded as `service` (several may be loaded
    /// side by side).
    ///
    /// # Errors
    /// As [`Kernel::unload_driver`].
    #[allow(
        clippy::result_large_err,
        reason = "the report is the point of the call; unload is not a hot path"
    )]
    pub fn unload_driver_as(&self, service: &str) -> Result<(), LeakReport> {
        loader::unload(&self.inner, Some(service))
    }

    /// The services of the drivers loaded now, in load order.
    #[must_use]
    pub fn loaded_drivers(&self) -> Vec<String> {
        self.inner.lock().io.loaded_services()
    }

    /// While `hold` is true, a verifier stop is recorded as always but the user-side calls
    /// (and [`Kernel::load_driver_as`], [`Kernel::advance_ms`]) return instead of panicking
    /// with it: a tool that probes a driver reports the stops it takes with
    /// [`Kernel::take_verifier_stops`] and goes on. Off by default.
    pub fn hold_verifier_stops(&self, hold: bool) {
        self.inner.lock().verifier.held = hold;
    }

    pub(crate) fn panic_on_new_stops(&self, what: &str, before: usize) {
        let state = self.inner.lock();
        if state.verifier.held {
            return;
        }
        let stops: Vec<Stop> = state
            .verifier
            .stops
            .get(before..)
            .unwrap_or_default()
            .to_vec();
        drop(state);
        assert!(
            stops.is_empty(),
            "verifier stop during {what}:\n{}",
            list(&stops)
        );
    }
}

pub(crate) fn list(stops: &[Stop]) -> String {
    stops
        .iter()
        .map(|stop| format!("  {stop}"))
        .collect::<Vec<_>>()
        .join("\n")
}
