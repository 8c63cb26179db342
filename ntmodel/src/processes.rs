//! Processes and threads as the kernel keeps them (`EPROCESS` / `ETHREAD`): each process has
//! a user (the token's account, which every access check of the model looks at) and threads;
//! each thread belongs to one process. Their bodies are objects of the object manager, whose
//! addresses are the `PEPROCESS` / `PETHREAD` the driver sees; their handle tables belong to
//! the object manager too.
use std::collections::HashMap;

/// A process (`EPROCESS`).
#[derive(Debug)]
pub struct Eprocess {
    /// Process id.
    pub pid: u32,
    /// Image name.
    pub name: String,
    /// The token's user name ("SYSTEM" for the System process).
    pub user: String,
    /// A WOW64 (32-bit) process.
    pub wow64: bool,
    /// Its threads (`PETHREAD`s).
    pub threads: Vec<usize>,
}

/// A thread (`ETHREAD`).
#[derive(Debug)]
pub struct Ethread {
    /// Thread id.
    pub tid: u32,
    /// The owning process (`PEPROCESS`).
    pub process: usize,
}

/// The process manager's state.
#[derive(Debug)]
pub struct Processes {
    /// Processes by `PEPROCESS`.
    records: HashMap<usize, Eprocess>,
    /// Threads by `PETHREAD`.
    threads: HashMap<usize, Ethread>,
    /// The System process.
    pub system_process: usize,
    /// The System process's worker thread (DPCs, DriverEntry, unload run "on" it).
    pub system_thread: usize,
    /// Next process / thread id.
    next_id: u32,
}

impl Default for Processes {
    fn default() -> Self {
        Self {
            records: HashMap::new(),
            threads: HashMap::new(),
            system_process: 0,
            system_thread: 0,
            next_id: 4,
        }
    }
}

impl Processes {
    /// A fresh process or thread id (multiples of 4, as on Windows).
    pub fn next_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 4;
        id
    }

    /// Records a process whose body is at `process`.
    pub fn add_process(&mut self, process: usize, name: &str, user: &str, wow64: bool) {
        let pid = self.next_id();
        self.records.insert(
            process,
            Eprocess {
                pid,
                name: name.to_owned(),
                user: user.to_owned(),
                wow64,
                threads: Vec::new(),
            },
        );
    }

    /// Records a thread of `process` whose body is at `thread`.
    pub fn add_thread(&mut self, process: usize, thread: usize) {
        let tid = self.next_id();
        self.threads.insert(thread, Ethread { tid, process });
        if let Some(record) = self.records.get_mut(&process) {
            record.threads.push(thread);
        }
    }

    /// The process at `process`.
    pub fn get(&self, process: usize) -> Option<&Eprocess> {
        self.records.get(&process)
    }

    /// Every process, with its `PEPROCESS`, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Eprocess)> {
        self.records
            .iter()
            .map(|(process, record)| (*process, record))
    }

    /// The thread at `thread`.
    pub fn thread(&self, thread: usize) -> Option<&Ethread> {
        self.threads.get(&thread)
    }

    /// The process with id `pid`.
    pub fn find_process(&self, pid: u32) -> Option<usize> {
        self.records
            .iter()
            .find(|(_, record)| record.pid == pid)
            .map(|(process, _)| *process)
    }

    /// The thread with id `tid`.
    pub fn find_thread(&self, tid: u32) -> Option<usize> {
        self.threads
            .iter()
            .find(|(_, record)| record.tid == tid)
            .map(|(thread, _)| *thread)
    }

    /// The user of `process` ("" if unknown).
    pub fn user_of(&self, process: usize) -> String {
        self.records
            .get(&process)
            .map_or_else(String::new, |record| record.user.clone())
    }

    /// The process a thread belongs to.
    pub fn process_of_thread(&self, thread: usize) -> Option<usize> {
        self.threads.get(&thread).map(|record| record.process)
    }

    /// Whether `process` is the System process.
    pub fn is_system(&self, process: usize) -> bool {
        process == self.system_process
    }

    /// Whether `process` is a WOW64 process.
    pub fn is_wow64(&self, process: usize) -> bool {
        self.records
            .get(&process)
            .is_some_and(|record| record.wow64)
    }
}
