//! Running hgctl as a user does, and reading what it printed.
use serde_json::Value;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The hgctl under test: this build's, or `HGCTL_UNDER_TEST` (to run these tests against
/// another build, e.g. the one before a fix).
pub fn exe() -> PathBuf {
    std::env::var_os("HGCTL_UNDER_TEST")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_hgctl")), PathBuf::from)
}

/// hgctl with `args`, as a pipe sees it (no terminal, no COLUMNS: 80 columns).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(exe());
    command.args(args).env_remove("COLUMNS");
    command
}

pub fn hgctl(args: &[&str]) -> Output {
    command(args)
        .stdin(Stdio::null())
        .output()
        .expect("hgctl runs")
}

/// hgctl with `input` on its standard input.
pub fn hgctl_reading(args: &[&str], input: &str) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hgctl starts");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(input.as_bytes())
        .expect("hgctl reads its input");
    child.wait_with_output().expect("hgctl ends")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("invalid JSON ({error}): {}", stdout(output)))
}

pub fn json_of(args: &[&str]) -> Value {
    json(&hgctl(args))
}

/// A status object (`{"name", "code", "hex"}`) as its label, `NAME (0xXXXXXXXX)`; checks
/// that the number and the hex agree.
pub fn label(status: &Value) -> String {
    let code = status["code"]
        .as_u64()
        .unwrap_or_else(|| panic!("no numeric code: {status}"));
    let hex = format!("0x{code:08X}");
    assert_eq!(status["hex"], hex.as_str(), "{status}");
    match status["name"].as_str() {
        Some(name) => format!("{name} ({hex})"),
        None => hex,
    }
}

/// A refused command: exit code 1, the message on stderr, nothing on stdout.
pub fn refused(args: &[&str]) -> String {
    let output = hgctl(args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?}: {}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "", "{args:?}");
    stderr(&output)
}

/// A usage error: exit code 2, nothing on stdout, clap's or hgctl's message on stderr.
pub fn misused(args: &[&str]) -> String {
    let output = hgctl(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "", "{args:?}");
    stderr(&output)
}

/// `text` with its line breaks and runs of spaces made single spaces (wrapping undone).
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every line of `text` fits `columns`.
pub fn assert_fits(text: &str, columns: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= columns,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}

pub const SUCCESS: &str = "STATUS_SUCCESS (0x00000000)";
pub const INVALID_HANDLE: &str = "STATUS_INVALID_HANDLE (0xC0000008)";
pub const INVALID_PARAMETER: &str = "STATUS_INVALID_PARAMETER (0xC000000D)";
pub const INVALID_DEVICE_REQUEST: &str = "STATUS_INVALID_DEVICE_REQUEST (0xC0000010)";
pub const ACCESS_DENIED: &str = "STATUS_ACCESS_DENIED (0xC0000022)";
pub const BUFFER_TOO_SMALL: &str = "STATUS_BUFFER_TOO_SMALL (0xC0000023)";
pub const TYPE_MISMATCH: &str = "STATUS_OBJECT_TYPE_MISMATCH (0xC0000024)";
pub const NAME_NOT_FOUND: &str = "STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034)";
pub const QUOTA_EXCEEDED: &str = "STATUS_QUOTA_EXCEEDED (0xC0000044)";
pub const NOT_SUPPORTED: &str = "STATUS_NOT_SUPPORTED (0xC00000BB)";
pub const CANCELLED: &str = "STATUS_CANCELLED (0xC0000120)";

pub const READABLE: &str = r"C:\handleguard\readable.txt";
pub const READABLE_CONTENT: &[u8] = b"handleguard: a file the user may read\n";
pub const SECRET: &str = r"C:\handleguard\secret.txt";
