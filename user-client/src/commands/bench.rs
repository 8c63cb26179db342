//! `hgctl bench`: round trips per second, GET_INFO against REGISTER_EVENT with a handle the
//! driver must validate (and refuses). Long runs show progress on standard error when it is
//! a terminal.
use crate::access;
use crate::client;
use crate::explain::Op;
use crate::failure::Failure;
use crate::report::Report;
use crate::transport::Transport;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal as _;

/// `hgctl bench`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Requests of each kind.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
}

/// Round trips per second of each kind.
#[derive(Serialize)]
pub struct BenchReport {
    count: u32,
    get_info_per_s: f64,
    validating_per_s: f64,
    ratio: f64,
    #[serde(skip)]
    transport: &'static str,
}

/// A bar on standard error when it is a terminal, hidden otherwise.
fn progress(total: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) = ProgressStyle::with_template("{msg:<16} {wide_bar} {pos}/{len} {eta}") {
        bar.set_style(style);
    }
    bar
}

/// Runs `hgctl bench`.
///
/// # Errors
/// When the event cannot be made, or the driver accepts a handle it must refuse.
pub fn run(device: &dyn Transport, args: &Args) -> Result<BenchReport, Failure> {
    let count = args.count;
    // An event the driver must look up and refuse: SYNCHRONIZE only, no EVENT_MODIFY_STATE.
    let event = device
        .create_event(access::SYNCHRONIZE)
        .map_err(|failed| Failure::status(Op::CreateEvent, failed))?;
    if let Ok(id) = client::register_event(device, event, 60_000) {
        let _ = client::unregister(device, id);
        device.close(event);
        return Err(Failure::new(
            "the driver accepted an event handle without EVENT_MODIFY_STATE: the handle-validating path cannot be measured (and the access rule is broken)",
        ));
    }
    let bar = progress(u64::from(count) * 2);
    let time = |what: &'static str, before: u64, request: &dyn Fn()| {
        bar.set_message(what);
        request();
        let started = std::time::Instant::now();
        for done in 0..count {
            request();
            if done % 1024 == 0 {
                bar.set_position(before + u64::from(done));
            }
        }
        bar.set_position(before + u64::from(count));
        f64::from(count) / started.elapsed().as_secs_f64().max(f64::MIN_POSITIVE)
    };
    let get_info = time("GET_INFO", 0, &|| {
        let _ = client::info(device);
    });
    let validating = time("REGISTER_EVENT", u64::from(count), &|| {
        let _ = client::register_event(device, event, 60_000);
    });
    bar.finish_and_clear();
    device.close(event);
    Ok(BenchReport {
        count,
        get_info_per_s: get_info,
        validating_per_s: validating,
        ratio: get_info / validating,
        transport: device.name(),
    })
}

impl Report for BenchReport {
    fn text(&self, _width: usize) -> String {
        format!(
            "{} transport, {} requests each:\n  GET_INFO                         {:>12.0} round trips/s\n  REGISTER_EVENT (handle refused)  {:>12.0} round trips/s\n  ratio GET_INFO / validating      {:>12.2}\n",
            self.transport, self.count, self.get_info_per_s, self.validating_per_s, self.ratio
        )
    }
}
