//! The test-facing kernel: create one per test, load a driver, create processes, move the
//! clock, inspect objects, pool, the debug log and verifier stops, unload and get the leak
//! report. Every method is safe; `Kernel` is `Clone + Send + Sync`.
use crate::consts::{KERNEL_HANDLE_FLAG, KERNEL_MODE, PASSIVE_LEVEL, TICKS_PER_MS, USER_MODE};
use crate::files::Files;
use crate::io::Io;
use crate::iomgr;
use crate::ke::Ke;
use crate::kernel::{self, Context, KernelInner, State};
use crate::loader::{self, DriverEntryFn};
use crate::object::{Extra, Security};
use crate::object_type::ObjectKind;
use crate::pool::{Pool, TagStats};
use crate::registry::{Registry, Value};
use crate::report::LeakReport;
use crate::user::{Process, User};
use crate::verifier::Stop;
use nt_bindings as nt;
use std::collections::{HashMap, HashSet, VecDeque};
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
        }
    }
}

/// One model kernel (a "machine"). Clones share it.
#[derive(Clone)]
pub struct Kernel {
    pub(crate) inner: Arc<KernelInner>,
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
        let mut state = State {
            objects: HashMap::new(),
            graveyard: HashMap::new(),
            processes: HashMap::new(),
            threads: HashMap::new(),
            system_process: 0,
            system_thread: 0,
            next_id: 4,
            pool: Pool::default(),
            io: Io::default(),
            ke: Ke::default(),
            registry: Registry::default(),
            files: Files::default(),
            stops: Vec::new(),
            debug_log: Vec::new(),
            hidden_routines: HashSet::new(),
            deferred: VecDeque::new(),
        };
        let (system_process, system_thread) = state.create_process("System", "SYSTEM", false);
        state.system_process = system_process;
        state.system_thread = system_thread;
        let inner = Arc::new(KernelInner::new(state));
        kernel::set_base(kernel::system_context(&inner, PASSIVE_LEVEL));
        Self { inner }
    }

    /// Makes `MmGetSystemRoutineAddress` return NULL for `routine` (e.g. "ExAllocatePool2", as
    /// on Windows before 10 2004).
    pub fn hide_routine(&self, routine: &str) {
        self.inner.lock().hidden_routines.insert(routine.to_owned());
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
    /// `\Registry\Machine\System\CurrentControlSet\Services\<service>`).
    ///
    /// # Panics
    /// If the verifier stopped during `DriverEntry`.
    pub fn load_driver_as(&self, service: &str, entry: DriverEntryFn) -> nt::NTSTATUS {
        let before = self.inner.lock().stops.len();
        let status = loader::load(&self.inner, service, entry);
        self.panic_on_new_stops("DriverEntry", before);
        status
    }

    /// Calls `DriverUnload` (System process, `PASSIVE_LEVEL`) and checks what the driver
    /// left: references, kernel handles, pool, devices, links, timers, DPCs, IRPs.
    ///
    /// # Errors
    /// The leak report when anything leaked, a stop happened during unload, or unload was
    /// refused (no driver, files still open, no `DriverUnload`).
    #[allow(
        clippy::result_large_err,
        reason = "the report is the point of the call; unload is not a hot path"
    )]
    pub fn unload_driver(&self) -> Result<(), LeakReport> {
        loader::unload(&self.inner)
    }

    /// A 64-bit user process with one thread.
    #[must_use]
    #[allow(
        clippy::needless_pass_by_value,
        reason = "reads like the scenario: create_process(\"app.exe\", User::new(\"alice\"))"
    )]
    pub fn create_process(&self, image: &str, user: User) -> Process {
        self.new_process(image, &user, false)
    }

    /// A 32-bit (WOW64) user process with one thread.
    #[must_use]
    #[allow(clippy::needless_pass_by_value, reason = "as create_process")]
    pub fn create_process_32bit(&self, image: &str, user: User) -> Process {
        self.new_process(image, &user, true)
    }

    fn new_process(&self, image: &str, user: &User, wow64: bool) -> Process {
        let (process, thread) = self.inner.lock().create_process(image, user.name(), wow64);
        Process::new(self.clone(), process, thread)
    }

    /// The System process (for [`Kernel::run_in`]).
    #[must_use]
    pub fn system(&self) -> Process {
        let (process, thread) = {
            let state = self.inner.lock();
            (state.system_process, state.system_thread)
        };
        Process::new(self.clone(), process, thread)
    }

    /// Runs `f` on this thread as kernel code in `process`'s context with `mode` as previous
    /// mode at `PASSIVE_LEVEL` (exports called inside see that context), then runs deferred
    /// work. Verifier stops are recorded, not raised: check them with
    /// [`Kernel::verifier_stops`].
    pub fn run_in<R>(&self, process: &Process, mode: PreviousMode, f: impl FnOnce() -> R) -> R {
        self.run_in_at(process, mode, PASSIVE_LEVEL, f)
    }

    /// [`Kernel::run_in`] at a given IRQL.
    pub fn run_in_at<R>(
        &self,
        process: &Process,
        mode: PreviousMode,
        irql: u8,
        f: impl FnOnce() -> R,
    ) -> R {
        let context = Context {
            kernel: Arc::clone(&self.inner),
            process: process.eprocess(),
            thread: process.ethread(),
            previous_mode: mode.raw(),
            irql,
        };
        let guard = kernel::enter(context);
        let result = f();
        kernel::set_irql(PASSIVE_LEVEL);
        iomgr::settle(&self.inner);
        drop(guard);
        result
    }

    /// [`Kernel::run_in`] in the System process with `KernelMode`.
    pub fn run_in_system<R>(&self, f: impl FnOnce() -> R) -> R {
        let system = self.system();
        self.run_in(&system, PreviousMode::KernelMode, f)
    }

    /// Moves the clock forward `ms` milliseconds: due timers fire in order and their DPCs run
    /// on this thread at `DISPATCH_LEVEL` in the System process.
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    pub fn advance_ms(&self, ms: u64) {
        self.advance_100ns(ms.saturating_mul(TICKS_PER_MS));
    }

    /// Moves the clock forward in 100 ns units.
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    pub fn advance_100ns(&self, ticks: u64) {
        let before = self.inner.lock().stops.len();
        let guard = kernel::enter(kernel::system_context(&self.inner, PASSIVE_LEVEL));
        crate::ke::advance(&self.inner, ticks);
        iomgr::settle(&self.inner);
        drop(guard);
        self.panic_on_new_stops("advancing the clock", before);
    }

    /// System time now (100 ns since 1601).
    #[must_use]
    pub fn now(&self) -> u64 {
        self.inner.lock().ke.now
    }

    /// (references, handles) of the object `handle` of `process` names, `None` if it names
    /// none. References are logical (driver's, IRPs'), not Windows' biased `PointerCount`.
    #[must_use]
    pub fn object_counts(&self, process: &Process, handle: u64) -> Option<(u64, u32)> {
        let object = self.object_of(process, handle)?;
        self.object_counts_at(object)
    }

    /// (references, handles) of the object at `object`, `None` if it is not a live object.
    #[must_use]
    pub fn object_counts_at(&self, object: usize) -> Option<(u64, u32)> {
        self.inner
            .lock()
            .object(object)
            .map(|header| (header.refs, header.handles))
    }

    /// The object body `handle` of `process` names (kernel handles via the kernel table).
    #[must_use]
    pub fn object_of(&self, process: &Process, handle: u64) -> Option<usize> {
        self.inner
            .lock()
            .lookup_handle(process.eprocess(), handle, KERNEL_MODE)
            .map(|entry| entry.object)
    }

    /// Whether the object at `object` has been deleted.
    #[must_use]
    pub fn is_deleted(&self, object: usize) -> bool {
        let state = self.inner.lock();
        state.object(object).is_none()
    }

    /// The values (with the kernel bit) of every handle in the kernel handle table.
    #[must_use]
    pub fn system_handle_values(&self) -> Vec<u64> {
        let state = self.inner.lock();
        state
            .processes
            .get(&state.system_process)
            .map_or_else(Vec::new, |system| {
                system
                    .handles
                    .iter()
                    .map(|(value, _)| value | KERNEL_HANDLE_FLAG)
                    .collect()
            })
    }

    /// Creates an event owned by the kernel (not the driver) and returns its kernel handle:
    /// a valid kernel handle value for attack tests.
    #[must_use]
    pub fn kernel_handle_of_some_object(&self) -> u64 {
        let mut state = self.inner.lock();
        let block = crate::block::Block::zeroed(size_of::<nt::KEVENT>());
        crate::ke::init_event_at(
            block.addr(),
            crate::consts::EVENT_NOTIFICATION_OBJECT,
            false,
        );
        let object = state.insert_object(ObjectKind::Event, block, Extra::None, None, false);
        let system = state.system_process;
        state.create_handle(
            system,
            object,
            crate::consts::EVENT_ALL_ACCESS,
            0,
            true,
            false,
        )
    }

    /// Number of live driver pool allocations.
    #[must_use]
    pub fn pool_outstanding(&self) -> usize {
        self.inner.lock().pool.outstanding(true).len()
    }

    /// Pool accounting for a tag (given as the `u32` the driver passes).
    #[must_use]
    pub fn pool_stats_by_tag(&self, tag: u32) -> TagStats {
        self.inner.lock().pool.stats(tag)
    }

    /// Pool accounting for every tag used.
    #[must_use]
    pub fn pool_stats(&self) -> Vec<(u32, TagStats)> {
        self.inner.lock().pool.all_stats()
    }

    /// Every `DbgPrint` line so far.
    #[must_use]
    pub fn debug_log(&self) -> Vec<String> {
        self.inner.lock().debug_log.clone()
    }

    /// Every verifier stop so far.
    #[must_use]
    pub fn verifier_stops(&self) -> Vec<Stop> {
        self.inner.lock().stops.clone()
    }

    /// Returns and forgets the verifier stops so far.
    #[must_use]
    pub fn take_verifier_stops(&self) -> Vec<Stop> {
        std::mem::take(&mut self.inner.lock().stops)
    }

    /// Panics, listing them, if any verifier stop was recorded.
    ///
    /// # Panics
    /// If there is a stop.
    pub fn check_no_stop(&self) {
        let stops = self.verifier_stops();
        assert!(stops.is_empty(), "verifier stop(s):\n{}", list(&stops));
    }

    /// Number of timers armed now.
    #[must_use]
    pub fn armed_timers(&self) -> usize {
        self.inner.lock().ke.timers.len()
    }

    /// Number of IRPs issued and not completed.
    #[must_use]
    pub fn pending_irps(&self) -> usize {
        self.inner
            .lock()
            .io
            .irps
            .values()
            .filter(|irp| irp.completed.is_none())
            .count()
    }

    /// The device object named `name` (`\Device\X`), if any.
    #[must_use]
    pub fn device_object(&self, name: &str) -> Option<usize> {
        self.inner
            .lock()
            .io
            .device_names
            .get(&crate::unicode::key(name))
            .copied()
    }

    /// The target of a symbolic link (`\DosDevices\X` or `\??\X`), if it exists.
    #[must_use]
    pub fn symbolic_link(&self, name: &str) -> Option<String> {
        self.inner
            .lock()
            .io
            .links
            .get(&crate::io::normalize_link(name))
            .map(|link| link.target.clone())
    }

    pub(crate) fn panic_on_new_stops(&self, what: &str, before: usize) {
        let stops: Vec<Stop> = self
            .inner
            .lock()
            .stops
            .get(before..)
            .unwrap_or_default()
            .to_vec();
        assert!(
            stops.is_empty(),
            "verifier stop during {what}:\n{}",
            list(&stops)
        );
    }
}

fn list(stops: &[Stop]) -> String {
    stops
        .iter()
        .map(|stop| format!("  {stop}"))
        .collect::<Vec<_>>()
        .join("\n")
}
