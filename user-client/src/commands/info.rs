//! `hgctl info`: the protocol version, the driver's counters and its refusal audit.
use crate::client;
use crate::explain::Op;
use crate::failure::{Exit, Failure};
use crate::report::Report;
use crate::transport::Transport;
use handleguard_protocol::{self as protocol, Refusal};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Registrations, by what became of them.
#[derive(Serialize)]
pub struct Registrations {
    active: u64,
    fired: u64,
    cancelled: u64,
}

/// What GET_INFO answered.
#[derive(Serialize)]
pub struct InfoReport {
    protocol_version: u32,
    hgctl_protocol_version: u32,
    compatible: bool,
    opens: u64,
    requests: u64,
    registrations: Registrations,
    /// Refused requests per reason, by the reason's name.
    refusals: Map<String, Value>,
    #[serde(skip)]
    counts: Vec<(&'static str, u64)>,
    #[serde(skip)]
    transport: &'static str,
    #[serde(skip)]
    device: String,
}

/// Sends GET_INFO.
///
/// # Errors
/// GET_INFO's status.
pub fn run(device: &dyn Transport) -> Result<InfoReport, Failure> {
    let info = client::info(device).map_err(|failed| Failure::status(Op::GetInfo, failed))?;
    let counts: Vec<(&'static str, u64)> = Refusal::ALL
        .iter()
        .map(|&reason| {
            let count = info.refusals.get(reason.index()).copied().unwrap_or(0);
            (reason.name(), count)
        })
        .collect();
    Ok(InfoReport {
        protocol_version: info.version,
        hgctl_protocol_version: protocol::PROTOCOL_VERSION,
        compatible: info.version == protocol::PROTOCOL_VERSION,
        opens: info.opens,
        requests: info.requests,
        registrations: Registrations {
            active: info.registrations_active,
            fired: info.registrations_fired,
            cancelled: info.registrations_cancelled,
        },
        refusals: counts
            .iter()
            .map(|&(name, count)| (name.to_string(), Value::from(count)))
            .collect(),
        counts,
        transport: device.name(),
        device: device.device_path().to_string(),
    })
}

impl Report for InfoReport {
    fn text(&self, _width: usize) -> String {
        let mut text = format!(
            "transport {} ({})\nprotocol version {} (hgctl speaks {}{})\nopens {}  requests {}\nregistrations: {} active, {} fired, {} cancelled\nrefused requests, by reason:\n",
            self.transport,
            self.device,
            self.protocol_version,
            self.hgctl_protocol_version,
            if self.compatible {
                ""
            } else {
                ": incompatible, build hgctl and the driver from the same source"
            },
            self.opens,
            self.requests,
            self.registrations.active,
            self.registrations.fired,
            self.registrations.cancelled
        );
        for (name, count) in &self.counts {
            let _ = writeln!(text, "  {name:<22} {count}");
        }
        text
    }

    fn exit(&self) -> Exit {
        if self.compatible {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}
