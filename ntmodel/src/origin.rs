//! Who did something the unload leak report may have to answer for: a handle created, a
//! reference taken, pool allocated, a timer armed, a DPC queued, a link created.
//!
//! With several drivers loaded, each report holds what that driver's code did (the model
//! knows whose code is running: it called it) and what test code did by calling exports
//! directly (outside any driver, e.g. in `Kernel::run_in`), which every report counts so that
//! a single-driver test sees all of it.

/// The origin of a handle, reference, allocation, timer, DPC or link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The model itself (an IRP's reference, a system service called from user mode):
    /// never a leak.
    Model,
    /// An exported routine called by test code outside any driver.
    Test,
    /// An exported routine called by the code of the driver with this `DRIVER_OBJECT`.
    Driver(usize),
}

impl Origin {
    /// Whether an exported routine did it (not the model).
    pub fn is_export(self) -> bool {
        self != Self::Model
    }

    /// Whether the leak report of `driver` counts it: the driver's own doing and test code's.
    pub fn counts_for(self, driver: usize) -> bool {
        self == Self::Test || self == Self::Driver(driver)
    }
}
