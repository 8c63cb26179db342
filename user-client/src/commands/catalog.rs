//! The commands, as clap parses them; each one's doc comment is its help.
use super::{bench, event, file, ioctl, kernel_event, open_as_me, probe, selftest};
use clap::Subcommand;
use std::path::PathBuf;

/// `hgctl ioctl --help`'s closing example.
const IOCTL_EXAMPLE: &str = "Example: REGISTER_EVENT with an event handle that lacks EVENT_MODIFY_STATE, which the driver refuses with STATUS_ACCESS_DENIED:\n  hgctl ioctl REGISTER_EVENT --output-len 8 \\\n    --input 00000000000000006400000000000000 \\\n    --handle 0=event:SYNCHRONIZE";

/// `hgctl probe --help`'s closing example.
const PROBE_EXAMPLE: &str = "Example: handleguard's REGISTER_EVENT, whose handle at offset 0 must be an event with SYNCHRONIZE | EVENT_MODIFY_STATE (its bytes 8..16 a due time of 100 ms):\n  hgctl probe REGISTER_EVENT --type event \\\n    --access 'SYNCHRONIZE|EVENT_MODIFY_STATE' --output-len 8 \\\n    --input 00000000000000006400000000000000";

/// What hgctl can do.
#[derive(Subcommand, Clone, Debug)]
pub enum Command {
    /// Protocol version, counters, and the refusal audit: how many requests the driver
    /// refused, per reason (wrong type, too little access, invalid or kernel handle, ...).
    Info,
    /// Register an event the driver signals when due, and wait for it.
    ///
    /// The driver references your event handle with ObReferenceObjectByHandle in your
    /// process's context, with Irp->RequestorMode (UserMode), the event object type and
    /// exactly the access it will use, SYNCHRONIZE | EVENT_MODIFY_STATE; then it keeps the
    /// reference, not the handle, so closing your handle early cannot free the event under it.
    Event(event::Args),
    /// Pass a file handle for inspection (size and checksum of its first 4 KiB).
    ///
    /// The driver references the handle with FILE_READ_DATA and the file object type, in
    /// your context with your RequestorMode, refuses a file opened for overlapped I/O, and
    /// reads through its own OBJ_KERNEL_HANDLE, so closing or reusing yours changes nothing.
    File(file::Args),
    /// Ask the driver to open a file on your behalf and report its size and checksum.
    ///
    /// The driver opens it with OBJ_KERNEL_HANDLE | OBJ_FORCE_ACCESS_CHECK, so your access
    /// is checked even though the open comes from kernel mode: it opens only what you could
    /// open yourself. On the model, C:\handleguard\secret.txt is one you may not read.
    OpenAsMe(open_as_me::Args),
    /// Receive a handle to an event the driver created: you can wait on it, not set it.
    ///
    /// Rule 4 of the guidance: create the object in the kernel and give user mode a handle.
    /// The driver opens the handle in your process with SYNCHRONIZE only, so SetEvent through
    /// it is refused with STATUS_ACCESS_DENIED, while the driver signals it when due.
    KernelEvent(kernel_event::Args),
    /// Run the attack matrix: bad handles and bad buffers, expected vs actual status per
    /// case; exits 1 if any case fails.
    Selftest(selftest::Args),
    /// Round trips per second: GET_INFO vs REGISTER_EVENT with a handle the driver must
    /// validate (and refuses for too little access), and their ratio.
    Bench(bench::Args),
    /// Send one raw IOCTL, with handles you choose planted in its input; prints the status
    /// (name and number), IoStatus.Information and the output bytes. Exits 1 when the status
    /// is an error.
    ///
    /// With --device it talks to any device (on Windows, any driver's).
    #[command(after_long_help = IOCTL_EXAMPLE)]
    Ioctl(ioctl::Args),
    /// Probe any driver's IOCTL that takes a handle: a control request with the right handle
    /// must succeed, then each attack (wrong type, one access right less, kernel handle,
    /// another process's, NULL, -1, -2, closed, garbage; on the model also a System handle
    /// value dispatched in a System worker) must be refused. Exits 1 if any
    /// attack was ACCEPTED, the model's verifier stopped, or the control failed.
    ///
    /// On the model, `--model-driver twin --device \\.\HandleGuardTwin` probes a
    /// deliberately vulnerable twin; on Windows, `--device \\.\YourDevice` probes yours.
    #[command(after_long_help = PROBE_EXAMPLE)]
    Probe(probe::Args),
    /// List this process's handle table: each handle's value, type and granted access.
    Handles,
    /// List the model's names (devices, the links \\.\X opens, files and who may read them)
    /// and its processes with their users: the paths that exist.
    Names,
    /// Run several commands, one per line of FILE ("-": standard input), against one driver:
    /// on the model, one kernel, so `info` counts what the lines before it did.
    ///
    /// A line is a command as after `hgctl` (`event --without-modify-state`); blank lines
    /// and lines starting with # are skipped; "..." or '...' quote a word. Every line is
    /// checked before the first runs; a failing line does not stop the ones after it; the
    /// exit code is the worst of the lines'.
    Script {
        /// The script ("-": standard input).
        file: PathBuf,
    },
    /// Print a completion script for a shell (bash: `source <(hgctl completions bash)`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Internal: a second process that holds handles for the self-test.
    #[command(name = "__hold", hide = true)]
    Hold,
    /// Internal: panics, so the tests can check how a panic ends hgctl.
    #[command(name = "__panic", hide = true)]
    Panic {
        /// Panic as the model's verifier does when it stops the driver.
        #[arg(long)]
        verifier: bool,
    },
}

impl Command {
    /// Its name on the command line.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Command::Info => "info",
            Command::Event(_) => "event",
            Command::File(_) => "file",
            Command::OpenAsMe(_) => "open-as-me",
            Command::KernelEvent(_) => "kernel-event",
            Command::Selftest(_) => "selftest",
            Command::Bench(_) => "bench",
            Command::Ioctl(_) => "ioctl",
            Command::Probe(_) => "probe",
            Command::Handles => "handles",
            Command::Names => "names",
            Command::Script { .. } => "script",
            Command::Completions { .. } => "completions",
            Command::Hold => "__hold",
            Command::Panic { .. } => "__panic",
        }
    }

    /// Whether it talks to the device (the others need no transport at all).
    #[must_use]
    pub fn opens_device(&self) -> bool {
        match self {
            Command::Completions { .. } | Command::Hold | Command::Panic { .. } => false,
            Command::Selftest(args) => !args.list,
            _ => true,
        }
    }
}
