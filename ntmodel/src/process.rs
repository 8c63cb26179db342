//! Processes and threads: each process has its own handle table and a user (the token's
//! account, all the model's access checks look at); each thread belongs to one process.
//! Their bodies are objects of type Process / Thread whose addresses are the `PEPROCESS` /
//! `PETHREAD` the driver sees.
use crate::block::Block;
use crate::consts::{PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS};
use crate::handle_table::HandleTable;
use crate::kernel::State;
use crate::object::{Extra, Security};
use crate::object_type::ObjectKind;

/// Size of the opaque `EPROCESS` / `ETHREAD` bodies.
const BODY_SIZE: usize = 256;

/// A process.
#[derive(Debug)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Image name.
    pub name: String,
    /// The token's user name ("SYSTEM" for the System process).
    pub user: String,
    /// A WOW64 (32-bit) process.
    pub wow64: bool,
    /// Its handle table (for the System process, also the kernel handle table).
    pub handles: HandleTable,
    /// Its threads (`PETHREAD`s).
    pub threads: Vec<usize>,
}

/// A thread.
#[derive(Debug)]
pub struct Thread {
    /// Thread id.
    pub tid: u32,
    /// The owning process (`PEPROCESS`).
    pub process: usize,
}

impl State {
    /// Creates a process with one thread; returns (`PEPROCESS`, `PETHREAD`).
    pub fn create_process(&mut self, name: &str, user: &str, wow64: bool) -> (usize, usize) {
        let pid = self.next_id;
        self.next_id += 4;
        let security = Some(Security::owned_by(user));
        let process = self.insert_object(
            ObjectKind::Process,
            Block::zeroed(BODY_SIZE),
            Extra::None,
            security,
            true,
        );
        self.processes.insert(
            process,
            Process {
                pid,
                name: name.to_owned(),
                user: user.to_owned(),
                wow64,
                handles: HandleTable::default(),
                threads: Vec::new(),
            },
        );
        let thread = self.create_thread(process);
        (process, thread)
    }

    /// Adds a thread to `process`.
    pub fn create_thread(&mut self, process: usize) -> usize {
        let tid = self.next_id;
        self.next_id += 4;
        let user = self
            .processes
            .get(&process)
            .map_or_else(String::new, |p| p.user.clone());
        let thread = self.insert_object(
            ObjectKind::Thread,
            Block::zeroed(BODY_SIZE),
            Extra::None,
            Some(Security::owned_by(&user)),
            true,
        );
        self.threads.insert(thread, Thread { tid, process });
        if let Some(p) = self.processes.get_mut(&process) {
            p.threads.push(thread);
        }
        thread
    }

    /// The user of `process` ("" if unknown).
    pub fn user_of(&self, process: usize) -> String {
        self.processes
            .get(&process)
            .map_or_else(String::new, |p| p.user.clone())
    }

    /// The process a thread belongs to.
    pub fn process_of_thread(&self, thread: usize) -> Option<usize> {
        self.threads.get(&thread).map(|t| t.process)
    }

    /// Whether `process` is the System process.
    pub fn is_system(&self, process: usize) -> bool {
        process == self.system_process
    }
}

/// Access a process grants through `NtCurrentProcess()`.
pub const CURRENT_PROCESS_ACCESS: u32 = PROCESS_ALL_ACCESS;
/// Access a thread grants through `NtCurrentThread()`.
pub const CURRENT_THREAD_ACCESS: u32 = THREAD_ALL_ACCESS;
