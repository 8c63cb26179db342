//! `hgctl names`: the paths that exist on the model (devices, the links `\\.\X` reaches,
//! files with who may read them) and the processes with their users.
use crate::failure::Failure;
use crate::report::Report;
use crate::terminal::wrap;
use crate::transport::Transport;
use serde::Serialize;
use std::fmt::Write as _;

/// One name.
#[derive(Serialize)]
#[expect(
    clippy::struct_field_names,
    reason = "a name's name, as the JSON calls it"
)]
pub struct Name {
    /// "device", "link" or "file".
    kind: &'static str,
    name: String,
    /// What it is.
    what: String,
}

/// A process and its user.
#[derive(Serialize)]
pub struct Process {
    pid: u32,
    image: String,
    user: String,
    /// hgctl runs as this process.
    caller: bool,
}

/// The namespace and the users.
#[derive(Serialize)]
pub struct NamesReport {
    names: Vec<Name>,
    processes: Vec<Process>,
}

/// Lists the namespace.
///
/// # Errors
/// When the transport cannot list it (Windows).
pub fn run(device: &dyn Transport) -> Result<NamesReport, Failure> {
    let (names, processes) = device.names().map_err(Failure::new)?;
    Ok(NamesReport {
        names: names
            .into_iter()
            .map(|row| Name {
                kind: row.kind,
                name: row.name,
                what: row.what,
            })
            .collect(),
        processes: processes
            .into_iter()
            .map(|row| Process {
                pid: row.pid,
                image: row.image,
                user: row.user,
                caller: row.caller,
            })
            .collect(),
    })
}

impl Report for NamesReport {
    fn text(&self, width: usize) -> String {
        let mut out = String::from("names (a link \\DosDevices\\X is what \\\\.\\X opens):\n");
        for name in &self.names {
            let line = format!("{:<6} {}: {}", name.kind, name.name, name.what);
            let _ = writeln!(out, "{}", wrap(&line, width, 2, 9));
        }
        out.push_str("processes and their users:\n");
        for process in &self.processes {
            let you = if process.caller {
                " (hgctl runs here)"
            } else {
                ""
            };
            let line = format!(
                "pid {:<4} {:<12} user {}{you}",
                process.pid, process.image, process.user
            );
            let _ = writeln!(out, "{}", wrap(&line, width, 2, 4));
        }
        out
    }
}
