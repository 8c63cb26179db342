//! What `Kernel::unload_driver` found wrong: the driver's leaked references, handles, pool,
//! devices, symbolic links, timers, DPCs and IRPs, and the verifier stops during unload.
use crate::verifier::Stop;
use std::fmt;

/// The unload leak report. Empty means a clean unload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeakReport {
    /// Why unload did not run at all (no driver, open files, no `DriverUnload`).
    pub refused: Option<String>,
    /// Objects the driver still holds references to: (type name, address, net references).
    pub references: Vec<(String, usize, i64)>,
    /// Kernel handles the driver created and did not close: (type name, handle value).
    pub handles: Vec<(String, u64)>,
    /// Pool the driver allocated and did not free: (tag, bytes).
    pub pool: Vec<(String, usize)>,
    /// Devices the driver did not delete (names, or `<unnamed>`).
    pub devices: Vec<String>,
    /// Symbolic links the driver did not delete.
    pub symbolic_links: Vec<String>,
    /// Timers still armed.
    pub armed_timers: usize,
    /// DPCs still queued.
    pub queued_dpcs: usize,
    /// IRPs of the driver's devices not completed.
    pub pending_irps: usize,
    /// Verifier stops recorded during `DriverUnload`.
    pub stops: Vec<Stop>,
}

impl LeakReport {
    /// Whether nothing leaked and unload ran.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for LeakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "driver unload leak report:")?;
        if let Some(reason) = &self.refused {
            writeln!(f, "  unload refused: {reason}")?;
        }
        for (kind, address, count) in &self.references {
            writeln!(
                f,
                "  {count} reference(s) to {kind} object {address:#x} taken by the driver and not released"
            )?;
        }
        for (kind, value) in &self.handles {
            writeln!(
                f,
                "  kernel handle {value:#x} to a {kind} object created by the driver and not closed"
            )?;
        }
        for (tag, bytes) in &self.pool {
            writeln!(
                f,
                "  pool: {bytes} bytes with tag '{tag}' not freed (DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) 0x62)"
            )?;
        }
        for device in &self.devices {
            writeln!(f, "  device {device} not deleted")?;
        }
        for link in &self.symbolic_links {
            writeln!(f, "  symbolic link {link} not deleted")?;
        }
        if self.armed_timers > 0 {
            writeln!(f, "  {} timer(s) still armed", self.armed_timers)?;
        }
        if self.queued_dpcs > 0 {
            writeln!(f, "  {} DPC(s) still queued", self.queued_dpcs)?;
        }
        if self.pending_irps > 0 {
            writeln!(f, "  {} IRP(s) not completed", self.pending_irps)?;
        }
        for stop in &self.stops {
            writeln!(f, "  verifier stop during unload: {stop}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LeakReport {}
