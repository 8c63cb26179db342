//! `hgctl completions`: a shell's completion script for hgctl (commands, options, case names).
use crate::report::Report;
use clap_complete::Shell;
use serde::Serialize;

/// A completion script.
#[derive(Serialize)]
pub struct Completions {
    shell: String,
    script: String,
}

/// The completion script of `shell` for `command` (hgctl's own clap command).
#[must_use]
pub fn run(shell: Shell, command: &mut clap::Command) -> Completions {
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "hgctl", &mut script);
    Completions {
        shell: shell.to_string(),
        script: String::from_utf8_lossy(&script).into_owned(),
    }
}

impl Report for Completions {
    fn text(&self, _width: usize) -> String {
        self.script.clone()
    }
}
