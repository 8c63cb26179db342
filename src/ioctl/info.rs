//! `IOCTL_HANDLEGUARD_GET_INFO`: protocol version, counters and the refusal audit.
use crate::driver::HandleGuard;
use crate::request::{Failure, Reply, Request};

/// Writes the counters; takes no input.
pub fn get_info(driver: &HandleGuard, request: &mut Request) -> Result<Reply, Failure> {
    request.expect_no_input()?;
    request.reply(&driver.stats.snapshot(&driver.counters))
}
