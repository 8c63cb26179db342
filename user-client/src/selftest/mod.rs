//! The attack matrix: every way a caller can hand the driver a bad handle or a bad buffer,
//! with the exact status the driver must answer. The cases are data (`cases`), their bodies
//! and helpers are in `steps`, `runner` runs and judges them, `report` shows the result.
mod case;
mod cases;
mod report;
mod runner;
mod steps;

pub use case::Profile;
pub use cases::CASES;
pub use report::SelftestReport;
pub use runner::run;

#[cfg(test)]
mod tests;
