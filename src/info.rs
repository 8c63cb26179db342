//! `IOCTL_HANDLEGUARD_GET_INFO`: protocol version, counters and the refusal audit.
use crate::dispatch::{Failure, Request};
use crate::kernel::driver::Session;
use crate::stats::Stats;

/// Writes the counters; takes no input.
pub fn get_info(
    stats: &Stats,
    session: &Session<'_>,
    request: &mut Request<'_>,
) -> Result<usize, Failure> {
    request.expect_no_input()?;
    request.reply(&stats.snapshot(session.counters))
}
