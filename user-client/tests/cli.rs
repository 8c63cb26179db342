//! hgctl as a user runs it, against the embedded model kernel with the real driver code.
//! `HGCTL_UNDER_TEST` runs the same tests against another hgctl build.
#[path = "cli/commands.rs"]
mod commands;
#[path = "cli/edges.rs"]
mod edges;
#[path = "cli/ioctl.rs"]
mod ioctl;
#[path = "cli/probe.rs"]
mod probe;
#[path = "cli/script.rs"]
mod script;
#[path = "cli/selftest.rs"]
mod selftest;
#[path = "cli/support.rs"]
mod support;
