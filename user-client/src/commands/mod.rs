//! One module per command. Each takes the transport and its options and returns a report
//! value ([`crate::report::Report`]), which `main` renders once, as text or as JSON.
mod bench;
mod catalog;
mod completions;
mod event;
mod file;
mod handles;
mod info;
mod ioctl;
mod kernel_event;
mod names;
mod open_as_me;
mod plant;
mod probe;
mod script;
mod selftest;

pub use catalog::Command;

use crate::failure::Failure;
use crate::output::Output;
use crate::report::Rendered;
use crate::transport::Transport;

/// Runs a command that opens no device (`completions`, `selftest --list`); `None` for the
/// others. `cli` is hgctl's clap command, for the completion script.
pub fn run_without_device(
    command: &Command,
    cli: &mut clap::Command,
    width: usize,
) -> Option<Rendered> {
    match command {
        Command::Completions { shell } => Some(Rendered::of(&completions::run(*shell, cli), width)),
        Command::Selftest(args) if args.list => Some(Rendered::of(&selftest::list(), width)),
        _ => None,
    }
}

/// Runs a command on `device`; a script's lines print as they run through `output`.
///
/// # Errors
/// The command's failure.
pub fn run(
    command: &Command,
    device: &dyn Transport,
    output: &Output,
) -> Result<Rendered, Failure> {
    match command {
        Command::Script { file } => {
            script::run(file, device, output, run_line).map(|r| Rendered::of(&r, output.width))
        }
        _ => run_line(command, device, output.width),
    }
}

/// Runs one command (a script's line, or the command line's).
fn run_line(command: &Command, device: &dyn Transport, width: usize) -> Result<Rendered, Failure> {
    Ok(match command {
        Command::Info => Rendered::of(&info::run(device)?, width),
        Command::Event(args) => Rendered::of(&event::run(device, args)?, width),
        Command::File(args) => Rendered::of(&file::run(device, args)?, width),
        Command::OpenAsMe(args) => Rendered::of(&open_as_me::run(device, args)?, width),
        Command::KernelEvent(args) => Rendered::of(&kernel_event::run(device, args)?, width),
        Command::Selftest(args) if args.list => Rendered::of(&selftest::list(), width),
        Command::Selftest(args) => Rendered::of(&selftest::run(device, args)?, width),
        Command::Bench(args) => Rendered::of(&bench::run(device, args)?, width),
        Command::Ioctl(args) => Rendered::of(&ioctl::run(device, args)?, width),
        Command::Probe(args) => Rendered::of(&probe::run(device, args)?, width),
        Command::Handles => Rendered::of(&handles::run(device)?, width),
        Command::Names => Rendered::of(&names::run(device)?, width),
        Command::Script { .. }
        | Command::Completions { .. }
        | Command::Hold
        | Command::Panic { .. } => {
            return Err(Failure::usage(format!(
                "`{}` does not run here",
                command.name()
            )));
        }
    })
}
