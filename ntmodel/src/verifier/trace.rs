//! The call trace: when enabled, every export the driver (or test code) calls is recorded
//! with its arguments and result, in order with the `DbgPrint` lines and the verifier stops
//! it caused. A call is recorded when it starts (its result filled in when it returns), so
//! what happens inside it (a dispatch routine the call led to, a stop) follows it.
use super::Stop;
use std::fmt;

/// One thing that happened, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// An export was called.
    Call(TracedCall),
    /// A `DbgPrint` line.
    DbgPrint(String),
    /// A verifier stop.
    Stop(Stop),
}

/// One call of an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracedCall {
    /// The export's name.
    pub routine: &'static str,
    /// Its arguments, rendered (`0x8`, `SYNCHRONIZE|EVENT_MODIFY_STATE`, `ExEventObjectType`,
    /// `UserMode`, `"\Device\X"`, ...).
    pub arguments: Vec<String>,
    /// Its result, rendered (`STATUS_ACCESS_DENIED`, ...); `None` for a routine returning
    /// nothing, or one that has not returned.
    pub result: Option<String>,
    /// The service of the driver whose code made the call, `None` for test code.
    pub driver: Option<String>,
    /// Identifies the call while its result is outstanding.
    sequence: u64,
}

impl fmt::Display for TracedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.routine, self.arguments.join(", "))?;
        if let Some(result) = &self.result {
            write!(f, " -> {result}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Call(call) => call.fmt(f),
            Self::DbgPrint(line) => write!(f, "DbgPrint: {line}"),
            Self::Stop(stop) => write!(f, "verifier stop: {stop}"),
        }
    }
}

/// The trace of one kernel.
#[derive(Debug, Default)]
pub struct Trace {
    enabled: bool,
    events: Vec<TraceEvent>,
    next_sequence: u64,
}

impl Trace {
    /// Turns recording on or off (what was recorded stays until taken).
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Records an event if recording is on.
    pub fn record(&mut self, event: TraceEvent) {
        if self.enabled {
            self.events.push(event);
        }
    }

    /// Records the start of a call; returns what [`Trace::finish_call`] needs, `None` if
    /// recording is off.
    pub fn start_call(
        &mut self,
        routine: &'static str,
        arguments: Vec<String>,
        driver: Option<String>,
    ) -> Option<u64> {
        if !self.enabled {
            return None;
        }
        self.next_sequence += 1;
        let sequence = self.next_sequence;
        self.events.push(TraceEvent::Call(TracedCall {
            routine,
            arguments,
            result: None,
            driver,
            sequence,
        }));
        Some(sequence)
    }

    /// Fills in the result of the call `sequence` (if it was not taken meanwhile).
    pub fn finish_call(&mut self, sequence: u64, result: Option<String>) {
        let call = self.events.iter_mut().rev().find_map(|event| match event {
            TraceEvent::Call(call) if call.sequence == sequence => Some(call),
            _ => None,
        });
        if let Some(call) = call {
            call.result = result;
        }
    }

    /// Takes what was recorded so far.
    pub fn take(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.events)
    }
}
