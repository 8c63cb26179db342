//! What a case of the matrix is, what it observes, and how it comes out.
use crate::status::Status;
use crate::transport::Transport;

/// How the Wine profile treats a case (Wine 8's ntoskrnl has no UserMode
/// ObReferenceObjectByHandle and runs the driver in winedevice.exe, not the caller's process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WineRule {
    /// No user handle involved: the exact status, as on Windows.
    Exact,
    /// A handle IOCTL: the exact status, or any failure status after which the driver still
    /// answers GET_INFO.
    FailCleanly,
    /// Wine cannot show it: file ACLs are not enforced; a handle the driver creates lands in
    /// winedevice.exe's table, where it means nothing to the caller; and a driver timer must
    /// not fire, because Wine 8's timer callback writes to the KTIMER after the DPC returns,
    /// and this driver's DPC frees the record holding it (as Windows allows), which corrupts
    /// winedevice.exe's heap; and a create the driver sends to its own device from its
    /// dispatch routine goes to winedevice.exe's dispatch loop, which is running that routine.
    Skip,
}

/// What a case observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actual {
    /// The status the driver (or the kernel) answered.
    Status(Status),
    /// A behaviour that is no status and is wrong, e.g. an event that never fired.
    Wrong(String),
    /// The case could not set itself up.
    NotRun(String),
}

/// An observation: what came back, and anything worth reporting beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// What came back.
    pub actual: Actual,
    /// E.g. "refused after 64 registrations".
    pub detail: Option<String>,
}

impl Observation {
    /// The status that came back.
    #[must_use]
    pub fn status(status: Status) -> Self {
        Self {
            actual: Actual::Status(status),
            detail: None,
        }
    }

    /// A behaviour that is wrong and no status.
    #[must_use]
    pub fn wrong(why: impl Into<String>) -> Self {
        Self {
            actual: Actual::Wrong(why.into()),
            detail: None,
        }
    }

    /// With a detail worth reporting.
    #[must_use]
    pub fn with(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl From<Status> for Observation {
    fn from(status: Status) -> Self {
        Self::status(status)
    }
}

/// A case's body: `Err` when it could not set itself up.
pub type Run = fn(&dyn Transport) -> Result<Observation, String>;

/// One row of the matrix.
pub struct Case {
    /// Short identifier.
    pub name: &'static str,
    /// What it attacks, in words.
    pub attacks: &'static str,
    /// The status the driver must return.
    pub expected: Status,
    /// How the Wine profile treats it.
    pub wine: WineRule,
    /// What it needs from the transport.
    pub needs: Needs,
    /// Sets up what it needs on the transport and reports what it observed.
    pub run: Run,
}

/// What a case needs from the transport beyond an open of the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing more: every transport runs it.
    Device,
    /// A request only a driver can make on Windows ([`Transport::ioctl_forwarded`]):
    /// dispatched in another process's context, or sent from kernel mode. The model can.
    Forwarding,
}

/// Which cases to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Every case, each with its exact status (Windows, or the model kernel).
    Full,
    /// What Wine can show: cases without user handles exactly; handle IOCTLs only have to
    /// fail cleanly and leave the driver serving.
    Wine,
}

/// How a case came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The driver answered as it must.
    Pass,
    /// It did not, or the case could not run.
    Fail,
    /// Not run here, for this reason.
    Skipped(&'static str),
}

/// The result of one case.
pub struct CaseResult {
    /// The case.
    pub case: &'static Case,
    /// The rule it was judged by ([`WineRule::Skip`] when skipped).
    pub rule: WineRule,
    /// What it observed (`None` when skipped).
    pub observation: Option<Observation>,
    /// How it came out.
    pub verdict: Verdict,
}

impl WineRule {
    /// Its name in reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            WineRule::Exact => "exact",
            WineRule::FailCleanly => "fail_cleanly",
            WineRule::Skip => "skip",
        }
    }
}
