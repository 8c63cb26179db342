//! The sharp edges: closed pipes, the exit codes hgctl promises (and no others), usage errors
//! as JSON, messages that say what happened, and output that fits 80 columns.
use super::support::*;
use serde_json::Value;
use std::process::{Output, Stdio};

/// hgctl writing into a pipe whose reading end is already closed (as `| head` leaves it).
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("hgctl runs")
}

#[test]
fn a_closed_pipe_ends_hgctl_quietly_with_the_command_s_exit_code() {
    for (args, code) in [
        (&["selftest"][..], 0),
        (&["--json", "selftest"], 0),
        (&["info"], 0),
        (&["--json", "info"], 0),
        (&["ioctl", "GET_INFO", "--output-len", "152"], 0),
        (&["--json", "event", "--without-modify-state"], 1),
        (&["--json", "frob"], 2),
        (&["--help"], 0),
        (&["--json", "__panic"], 3),
    ] {
        let output = into_closed_pipe(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "{args:?}: nothing said about the pipe");
    }
    let script = into_closed_pipe(&["script", "/dev/null"]);
    assert_eq!(script.status.code(), Some(0));
}

#[test]
fn head_of_selftest_json_gets_its_bytes_and_hgctl_ends_cleanly() {
    let mut child = command(&["--json", "selftest"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hgctl starts");
    let mut stdout = child.stdout.take().expect("a pipe");
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("10 bytes");
    drop(stdout);
    let output = child.wait_with_output().expect("hgctl ends");
    assert_eq!(&first, br#"{"command""#);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn every_documented_exit_code_and_its_message() {
    assert_eq!(hgctl(&["info"]).status.code(), Some(0));
    assert_eq!(
        hgctl(&["event", "--without-modify-state"]).status.code(),
        Some(1)
    );
    assert_eq!(hgctl(&["frobnicate"]).status.code(), Some(2));
    let internal = hgctl(&["__panic"]);
    assert_eq!(internal.status.code(), Some(3));
    assert!(
        stderr(&internal).starts_with("hgctl: internal error at user-client/src/main.rs:"),
        "{}",
        stderr(&internal)
    );
    assert!(stderr(&internal).ends_with(": deliberate, from `hgctl __panic`\n"));
    let stopped = hgctl(&["--json", "__panic", "--verifier"]);
    assert_eq!(stopped.status.code(), Some(3));
    let json = json(&stopped);
    assert_eq!(json["command"], "__panic");
    assert_eq!(json["exit_code"], 3);
    assert_eq!(
        json["error"],
        "the model kernel stopped the driver where Driver Verifier would bug check (a driver bug): verifier stop 0xC4 (deliberate, from `hgctl __panic --verifier`)"
    );
    let help = stdout(&hgctl(&["--help"]));
    assert!(
        help.contains("Exit codes: 0 success, 1 a command or self-test case failed"),
        "{help}"
    );
    for code in [
        "0 success",
        "1 a command",
        "2 bad arguments",
        "3 the model kernel",
    ] {
        assert!(help.replace('\n', " ").contains(code), "{code}: {help}");
    }
}

#[test]
fn argument_errors_exit_with_2_and_say_what_is_wrong() {
    let bad = misused(&["selftest", "--profile", "nope"]);
    assert!(bad.contains("invalid value 'nope' for '--profile <PROFILE>'"));
    assert!(bad.contains("[possible values: full, wine]"));
    assert!(misused(&["frobnicate"]).contains("unrecognized subcommand 'frobnicate'"));
    assert!(misused(&["file"]).contains("<PATH>"));
    misused(&["bench", "--count", "0"]);
    misused(&["event", "--due-ms", "soon"]);
    assert_eq!(hgctl(&[]).status.code(), Some(2));
}

#[test]
fn usage_errors_are_json_under_json() {
    for (args, command, message) in [
        (
            &["--json", "frob"][..],
            Value::Null,
            "unrecognized subcommand 'frob'",
        ),
        (
            &["--json", "event", "--pended", "--without-modify-state"],
            Value::from("event"),
            "the argument '--pended' cannot be used with '--without-modify-state'",
        ),
        (
            &["file", "", "--json"],
            Value::from("file"),
            "a value is required for '<PATH>' but none was supplied",
        ),
    ] {
        let output = hgctl(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output), "", "{args:?}");
        let json = json(&output);
        assert_eq!(json["command"], command, "{args:?}");
        assert_eq!(json["transport"], "model", "{args:?}");
        assert_eq!(json["exit_code"], 2, "{args:?}");
        assert_eq!(json["status"], Value::Null, "{args:?}");
        assert!(
            json["error"]
                .as_str()
                .is_some_and(|error| error.starts_with(message)),
            "{args:?}: {json}"
        );
    }
}

#[test]
fn flags_that_cannot_work_together_and_empty_paths_are_usage_errors() {
    assert!(
        misused(&["event", "--pended", "--without-modify-state"]).starts_with(
            "error: the argument '--pended' cannot be used with '--without-modify-state'"
        )
    );
    for args in [
        &["file", ""][..],
        &["open-as-me", ""],
        &["--device", "", "info"],
    ] {
        assert!(misused(args).contains("a value is required"), "{args:?}");
    }
}

#[test]
fn a_device_open_failure_carries_its_status_and_lists_the_model_s_devices() {
    let output = hgctl(&["--json", "--device", r"\\.\Nope", "info"]);
    assert_eq!(output.status.code(), Some(1));
    let json = json(&output);
    assert_eq!(json["device"], r"\\.\Nope");
    assert_eq!(label(&json["status"]), NAME_NOT_FOUND);
    assert_eq!(json["status"]["code"], 0xC000_0034_u32);
    let message = refused(&["--device", r"\\.\Nope", "info"]);
    assert_eq!(
        message,
        "hgctl: cannot open \\\\.\\Nope on the model: opening the device: STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034): no device of that name (names under the device, \\\\.\\HandleGuard\\x, are refused on purpose: the device has no namespace). The model has \\\\.\\HandleGuard (\\DosDevices\\HandleGuard, a symbolic link to \\Device\\HandleGuard); `hgctl names` lists every name and user\n"
    );
    assert!(
        !message.contains("sc query"),
        "the model has no service manager"
    );
}

#[test]
fn a_file_the_model_lacks_lists_the_files_it_has() {
    assert_eq!(
        refused(&["file", r"C:\nowhere.txt"]),
        "hgctl: C:\\nowhere.txt: opening the file: STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034): no such file. The model has \\??\\C:\\handleguard\\readable.txt, \\??\\C:\\handleguard\\secret.txt; `hgctl names` lists every name and user\n"
    );
    assert!(
        refused(&["open-as-me", r"C:\nowhere.txt"]).ends_with(
            ": no such file. The model has \\??\\C:\\handleguard\\readable.txt, \\??\\C:\\handleguard\\secret.txt; `hgctl names` lists every name and user\n"
        )
    );
}

#[test]
fn a_device_passed_as_a_file_is_called_a_device() {
    assert_eq!(
        refused(&["file", r"\\.\HandleGuard"]),
        "hgctl: INSPECT_FILE: STATUS_NOT_SUPPORTED (0xC00000BB): the handle is open on no file of a file-system volume (a device, this one included, a pipe, a mailslot or a whole volume): the driver refused it by what its file object is, without reading it; pass a file\n"
    );
    assert_eq!(
        refused(&["open-as-me", r"\Device\HandleGuard"]),
        "hgctl: \\Device\\HandleGuard: OPEN_AS_CALLER: STATUS_NOT_SUPPORTED (0xC00000BB): the path names no file on a file-system volume (a device, a pipe, a mailslot or a whole volume): the driver opened it with your access checked, saw what it was, and closed it unread; give the path of a file\n"
    );
}

#[test]
fn every_command_s_json_has_the_same_envelope() {
    let script = std::env::temp_dir().join(format!("hgctl-envelope-{}.txt", std::process::id()));
    std::fs::write(&script, "info\n").expect("written");
    let script = script.to_str().expect("UTF-8").to_string();
    let runs: Vec<(Vec<&str>, &str, bool)> = vec![
        (vec!["info"], "info", true),
        (vec!["event", "--due-ms", "5"], "event", true),
        (vec!["event", "--pended", "--due-ms", "5"], "event", true),
        (vec!["file", READABLE], "file", true),
        (vec!["open-as-me", READABLE], "open-as-me", true),
        (vec!["kernel-event", "--due-ms", "0"], "kernel-event", true),
        (vec!["selftest", "--case", "get_info"], "selftest", true),
        (vec!["selftest", "--list"], "selftest", false),
        (vec!["bench", "--count", "5"], "bench", true),
        (
            vec!["ioctl", "GET_INFO", "--output-len", "152"],
            "ioctl",
            true,
        ),
        (vec!["handles"], "handles", true),
        (vec!["names"], "names", true),
        (vec!["script", &script], "script", true),
        (vec!["completions", "bash"], "completions", false),
        (vec!["event", "--without-modify-state"], "event", true),
    ];
    for (args, command, opens_device) in runs {
        let mut all = vec!["--json"];
        all.extend(args.iter().copied());
        let output = hgctl(&all);
        let json = json(&output);
        let keys: Vec<&str> = json
            .as_object()
            .expect("an object")
            .keys()
            .take(4)
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["command", "transport", "device", "exit_code"],
            "{args:?}"
        );
        assert_eq!(json["command"], command, "{args:?}");
        assert_eq!(json["transport"], "model", "{args:?}");
        assert_eq!(
            json["exit_code"],
            output.status.code().expect("an exit code"),
            "{args:?}"
        );
        let device = if opens_device {
            Value::from(r"\\.\HandleGuard")
        } else {
            Value::Null
        };
        assert_eq!(json["device"], device, "{args:?}");
    }
    std::fs::remove_file(&script).expect("removed");
}

#[test]
fn help_fits_80_columns_and_explains_the_rule_each_command_shows() {
    let help = hgctl(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = stdout(&help);
    assert_fits(&help, 80);
    for command in [
        "info",
        "event",
        "file",
        "open-as-me",
        "kernel-event",
        "selftest",
        "bench",
        "ioctl",
        "handles",
        "names",
        "script",
        "completions",
    ] {
        assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
        let text = stdout(&hgctl(&[command, "--help"]));
        assert_fits(&text, 80);
    }
    assert!(!help.contains("__hold"));
    assert!(!help.contains("__panic"));
    for (command, rule) in [
        ("event", "SYNCHRONIZE | EVENT_MODIFY_STATE"),
        ("event", "RequestorMode"),
        ("file", "FILE_READ_DATA"),
        ("open-as-me", "OBJ_FORCE_ACCESS_CHECK"),
        ("kernel-event", "SYNCHRONIZE only"),
        ("selftest", "fail cleanly"),
        ("info", "per reason"),
        ("ioctl", "OFFSET=KIND[:ACCESS]"),
        ("script", "one kernel"),
    ] {
        let text = stdout(&hgctl(&[command, "--help"])).replace('\n', " ");
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(rule), "{command} --help lacks {rule}: {text}");
    }
}

#[test]
fn output_follows_columns_when_there_is_no_terminal() {
    let wide = command(&["--help"])
        .env("COLUMNS", "120")
        .output()
        .expect("hgctl runs");
    let wide = stdout(&wide);
    assert!(wide.lines().any(|line| line.len() > 80), "{wide}");
    assert_fits(&wide, 120);
    for args in [
        &["info"][..],
        &["names"],
        &["handles"],
        &["selftest", "--list"],
        &["ioctl", "REGISTER_EVENT", "--handle", "0=event:SYNCHRONIZE"],
        &["event", "--pended", "--unregister"],
        &["event", "--unregister"],
        &["file", READABLE],
        &["open-as-me", READABLE],
        &["kernel-event", "--due-ms", "0"],
        &["bench", "--count", "5"],
    ] {
        assert_fits(&stdout(&hgctl(args)), 80);
    }
}

#[test]
fn a_far_due_time_is_waited_for_without_spinning() {
    let started = std::time::Instant::now();
    let output = hgctl(&["--json", "event", "--due-ms", "4294967295"]);
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["signalled_after_ms"], 4_294_967_295_u64);
    for args in [
        &["kernel-event", "--due-ms", "4294967295"][..],
        &["event", "--pended", "--due-ms", "4294967295"],
    ] {
        let started = std::time::Instant::now();
        assert_eq!(hgctl(args).status.code(), Some(0), "{args:?}");
        assert!(
            started.elapsed().as_secs() < 30,
            "{args:?}: {:?}",
            started.elapsed()
        );
    }
}

/// The peak resident memory of `hgctl bench --count N`, in KiB (GNU time's %M).
fn peak_kib(count: &str) -> u64 {
    let output = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(exe())
        .args(["bench", "--count", count])
        .output()
        .expect("GNU time runs");
    stderr(&output)
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {}", stderr(&output)))
}

#[test]
fn bench_memory_does_not_grow_with_the_count() {
    let small = peak_kib("20000");
    let large = peak_kib("200000");
    assert!(
        large < small + small / 4,
        "{small} KiB for 20,000, {large} KiB for 200,000"
    );
}
