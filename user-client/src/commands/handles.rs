//! `hgctl handles`: the calling process's handle table, with each handle's granted access.
use crate::access;
use crate::failure::Failure;
use crate::report::Report;
use crate::transport::Transport;
use serde::Serialize;
use std::fmt::Write as _;

/// One handle.
#[derive(Serialize)]
pub struct Handle {
    value: u64,
    #[serde(rename = "type")]
    type_name: String,
    granted: u32,
    /// The granted access in words.
    granted_names: String,
    /// What the object is (a device or a file), where known.
    name: Option<String>,
}

/// The calling process's handles.
#[derive(Serialize)]
pub struct HandlesReport {
    handles: Vec<Handle>,
}

/// Lists the handle table.
///
/// # Errors
/// When the transport cannot list it.
pub fn run(device: &dyn Transport) -> Result<HandlesReport, Failure> {
    let rows = device.handles().map_err(Failure::new)?;
    Ok(HandlesReport {
        handles: rows
            .into_iter()
            .map(|row| Handle {
                granted_names: access::words(&row.type_name, row.granted),
                value: row.value,
                type_name: row.type_name,
                granted: row.granted,
                name: row.name,
            })
            .collect(),
    })
}

impl Report for HandlesReport {
    fn text(&self, width: usize) -> String {
        let mut out = format!(
            "{} handles in this process\nhandle   type       granted access\n",
            self.handles.len()
        );
        for handle in &self.handles {
            let access = format!("{:#010x} {}", handle.granted, handle.granted_names);
            let line = format!(
                "{:<8} {:<10} {access}",
                format!("{:#x}", handle.value),
                handle.type_name
            );
            let _ = writeln!(out, "{}", crate::terminal::wrap(&line, width, 0, 20));
            if let Some(name) = &handle.name {
                let _ = writeln!(out, "{:<19} {name}", "");
            }
        }
        out
    }
}
