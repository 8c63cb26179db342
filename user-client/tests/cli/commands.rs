//! The commands that show one rule each, and the listings: what they print and exit with.
use super::support::*;
use handleguard_protocol::checksum;
use serde_json::Value;

#[test]
fn info_prints_the_version_counters_and_refusal_audit() {
    let output = hgctl(&["info"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text.starts_with("transport model (\\\\.\\HandleGuard)\n"),
        "{text}"
    );
    assert!(
        text.contains("protocol version 2 (hgctl speaks 2)"),
        "{text}"
    );
    assert!(text.contains("opens 1  requests 1"), "{text}");
    assert!(!text.contains("incompatible"), "{text}");
    assert!(text.contains("  too_little_access      0\n"), "{text}");
    let json = json_of(&["info", "--json"]);
    assert_eq!(json["command"], "info");
    assert_eq!(json["transport"], "model");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["protocol_version"], 2);
    assert_eq!(json["hgctl_protocol_version"], 2);
    assert_eq!(json["compatible"], true);
    assert_eq!(json["opens"], 1);
    assert_eq!(json["requests"], 1);
    assert_eq!(json["registrations"]["active"], 0);
    let refusals = json["refusals"].as_object().expect("refusals by name");
    assert_eq!(refusals.len(), 13);
    assert!(refusals.values().all(|count| count == 0));
}

#[test]
fn event_is_signalled_when_due_on_the_virtual_clock() {
    let output = hgctl(&["event", "--due-ms", "30"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "registration 0x1: event signalled after 30 ms (virtual clock), due in 30 ms:\n  latency 0 ms\n"
    );
    let json = json_of(&["event", "--due-ms", "30", "--json"]);
    assert_eq!(json["mode"], "event");
    assert_eq!(json["signalled"], true);
    assert_eq!(json["signalled_after_ms"], 30);
    assert_eq!(json["latency_ms"], 0);
    assert_eq!(json["clock"], "virtual");
    assert_eq!(json["transport"], "model");
}

#[test]
fn an_unregistered_event_is_never_signalled() {
    let output = hgctl(&["event", "--unregister", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let json = json(&output);
    assert_eq!(label(&json["unregistered"]), SUCCESS);
    assert_eq!(json["signalled"], false);
    assert_eq!(json["cancelled"], true);
    let text = stdout(&hgctl(&["event", "--unregister"]));
    assert!(
        flat(&text).contains("event signalled 100 ms after it would have been due: false"),
        "{text}"
    );
}

#[test]
fn a_pended_request_completes_when_due_or_is_cancelled() {
    let done = hgctl(&["event", "--pended", "--due-ms", "10", "--json"]);
    assert_eq!(done.status.code(), Some(0));
    let done = json(&done);
    assert_eq!(done["mode"], "pended");
    assert_eq!(label(&done["status"]), SUCCESS);
    assert_eq!(done["waited_ms"], 10);
    let cancelled = hgctl(&["event", "--pended", "--unregister"]);
    assert_eq!(cancelled.status.code(), Some(0));
    assert!(
        flat(&stdout(&cancelled)).starts_with(&format!(
            "pended request cancelled before due: REGISTER_EVENT (pended): {CANCELLED}"
        )),
        "{}",
        stdout(&cancelled)
    );
}

#[test]
fn a_kernel_event_can_be_waited_on_but_not_set() {
    let output = hgctl(&["kernel-event", "--due-ms", "20", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let json = json(&output);
    assert_eq!(json["signalled_before"], false);
    assert_eq!(label(&json["set_event"]), ACCESS_DENIED);
    assert_eq!(json["signalled_after_set"], false);
    assert_eq!(json["signalled_after_ms"], 20);
    assert_eq!(json["signal_kernel_event"], Value::Null);
    let on_request = json_of(&["kernel-event", "--due-ms", "0", "--json"]);
    assert_eq!(label(&on_request["signal_kernel_event"]), SUCCESS);
    assert_eq!(on_request["signalled_after_ms"], 0);
    let text = flat(&stdout(&hgctl(&["kernel-event"])));
    assert!(
        text.contains("SetEvent through it: SetEvent on the driver's handle: STATUS_ACCESS_DENIED (0xC0000022): the driver handed out this handle with SYNCHRONIZE only"),
        "{text}"
    );
}

#[test]
fn file_and_open_as_me_report_size_and_checksum() {
    let sum = checksum(READABLE_CONTENT);
    let file = hgctl(&["file", READABLE]);
    assert_eq!(file.status.code(), Some(0));
    assert_eq!(
        stdout(&file),
        format!(
            "{READABLE}: 38 bytes, checksum {sum:#010x} over the first 38\n  bytes (read by the driver through its own kernel handle)\n"
        )
    );
    let opened = json_of(&["open-as-me", READABLE, "--json"]);
    assert_eq!(opened["command"], "open-as-me");
    assert_eq!(opened["path"], r"\??\C:\handleguard\readable.txt");
    assert_eq!(opened["size"], 38);
    assert_eq!(opened["checksum"], sum);
}

#[test]
fn refused_handles_are_explained_with_the_rule_behind_them() {
    assert!(
        refused(&["event", "--without-modify-state"]).starts_with(
            "hgctl: REGISTER_EVENT: STATUS_ACCESS_DENIED (0xC0000022): the driver refused the handle: it was opened without EVENT_MODIFY_STATE"
        )
    );
    assert!(
        refused(&["file", READABLE, "--without-read-data"]).starts_with(
            "hgctl: INSPECT_FILE: STATUS_ACCESS_DENIED (0xC0000022): the driver refused the handle: it was opened without FILE_READ_DATA"
        )
    );
    assert!(
        refused(&["file", READABLE, "--overlapped"]).starts_with(
            "hgctl: INSPECT_FILE: STATUS_INVALID_PARAMETER (0xC000000D): the driver refused the file: it was opened for overlapped (asynchronous) I/O"
        )
    );
    assert!(
        refused(&["open-as-me", SECRET]).starts_with(
            r"hgctl: \??\C:\handleguard\secret.txt: OPEN_AS_CALLER: STATUS_ACCESS_DENIED (0xC0000022): you may not read that file: the driver opened it with OBJ_FORCE_ACCESS_CHECK"
        )
    );
}

#[test]
fn errors_are_json_with_json() {
    let output = hgctl(&["--json", "event", "--without-modify-state"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let json = json(&output);
    assert_eq!(json["command"], "event");
    assert_eq!(json["transport"], "model");
    assert_eq!(json["device"], r"\\.\HandleGuard");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(label(&json["status"]), ACCESS_DENIED);
    assert_eq!(json["status"]["code"], 0xC000_0022_u32);
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|error| error.contains("EVENT_MODIFY_STATE")),
        "{json}"
    );
}

#[test]
fn device_picks_the_path_and_a_name_under_the_device_is_refused() {
    let json = json_of(&["--device", r"\\.\HandleGuard", "--model", "info", "--json"]);
    assert_eq!(json["device"], r"\\.\HandleGuard");
    let message = refused(&["--device", r"\\.\HandleGuard\x", "info"]);
    assert!(
        message.starts_with(&format!(
            r"hgctl: cannot open \\.\HandleGuard\x on the model: opening the device: {NAME_NOT_FOUND}: no device of that name"
        )),
        "{message}"
    );
}

#[test]
fn bench_reports_round_trips_and_a_ratio() {
    let output = hgctl(&["bench", "--count", "200", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stderr(&output),
        "",
        "no progress bar when stderr is no terminal"
    );
    let json = json(&output);
    assert_eq!(json["command"], "bench");
    assert_eq!(json["transport"], "model");
    assert_eq!(json["count"], 200);
    for field in ["get_info_per_s", "validating_per_s", "ratio"] {
        assert!(
            json[field].as_f64().is_some_and(|value| value > 0.0),
            "{field}: {json}"
        );
    }
    let text = stdout(&hgctl(&["bench", "--count", "50"]));
    assert!(text.contains("ratio GET_INFO / validating"), "{text}");
}

#[test]
fn bench_shows_progress_on_stderr_when_it_is_a_terminal() {
    // util-linux's `script` gives hgctl a pseudo-terminal for all three streams.
    let hgctl = exe();
    let line = format!("{} bench --count 100000", hgctl.display());
    let output = std::process::Command::new("script")
        .args(["-qefc", &line, "/dev/null"])
        .env_remove("COLUMNS")
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("GET_INFO"), "{text}");
    assert!(
        text.contains("/200000"),
        "a bar counting both kinds: {text}"
    );
    assert!(text.contains("ratio GET_INFO / validating"), "{text}");
}

#[test]
fn a_failure_shown_on_a_terminal_is_wrapped_to_it() {
    let line = format!(r"{} file '\\.\HandleGuard'", exe().display());
    let output = std::process::Command::new("script")
        .args(["-qefc", &line, "/dev/null"])
        .env_remove("COLUMNS")
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with("hgctl: INSPECT_FILE: STATUS_NOT_SUPPORTED"),
        "{text}"
    );
    assert!(text.lines().count() > 1, "wrapped: {text}");
    assert_fits(&text, 80);
    assert_eq!(flat(&text), flat(&refused(&["file", r"\\.\HandleGuard"])));
}

#[test]
fn handles_lists_this_process_s_table_with_granted_access() {
    let output = hgctl(&["handles"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "1 handles in this process\nhandle   type       granted access\n0x4      File       0x0012019f FILE_GENERIC_READ | FILE_GENERIC_WRITE\n                    \\Device\\HandleGuard\n"
    );
    let json = json_of(&["handles", "--json"]);
    assert_eq!(json["command"], "handles");
    let handles = json["handles"].as_array().expect("handles");
    assert_eq!(handles.len(), 1);
    assert_eq!(handles[0]["value"], 4);
    assert_eq!(handles[0]["type"], "File");
    assert_eq!(handles[0]["granted"], 0x0012_019F);
    assert_eq!(handles[0]["name"], r"\Device\HandleGuard");
}

#[test]
fn names_lists_the_model_s_paths_and_users() {
    let output = hgctl(&["names"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for line in [
        r"  device \Device\HandleGuard: device object",
        r"  link   \DosDevices\HandleGuard: symbolic link to \Device\HandleGuard",
        r"  file   \??\C:\handleguard\readable.txt: file, 38 bytes, owner SYSTEM, readable",
        "  pid 12   hgctl.exe    user hgctl-user (hgctl runs here)",
        "  pid 20   other.exe    user someone-else",
    ] {
        assert!(text.lines().any(|row| row == line), "no `{line}`:\n{text}");
    }
    assert_fits(&text, 80);
    let json = json_of(&["names", "--json"]);
    let files: Vec<&str> = json["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter(|name| name["kind"] == "file")
        .filter_map(|name| name["name"].as_str())
        .collect();
    assert_eq!(
        files,
        [
            r"\??\C:\handleguard\readable.txt",
            r"\??\C:\handleguard\secret.txt"
        ]
    );
    let users: Vec<&str> = json["processes"]
        .as_array()
        .expect("processes")
        .iter()
        .filter_map(|process| process["user"].as_str())
        .collect();
    assert_eq!(users, ["SYSTEM", "hgctl-user", "someone-else"]);
    assert_eq!(json["processes"][1]["caller"], true);
    assert_eq!(json["processes"][2]["caller"], false);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = hgctl(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        for word in ["selftest", "ioctl", "without-modify-state"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let bash = stdout(&hgctl(&["completions", "bash"]));
    assert!(bash.contains("complete -F _hgctl"), "{bash}");
    assert!(
        bash.contains("kernel_event_cannot_be_set"),
        "case names for --case"
    );
    misused(&["completions", "tcsh"]);
}

#[test]
fn trace_shows_every_kernel_call_the_driver_made_for_a_request() {
    let output = hgctl(&["--trace", "event", "--without-modify-state"]);
    assert_eq!(output.status.code(), Some(1));
    let trace = stderr(&output);
    let request = trace
        .split("trace: IOCTL 0x0022a004, 16 bytes in:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no trace of REGISTER_EVENT:\n{trace}"));
    let calls: Vec<&str> = request
        .lines()
        .take_while(|line| line.starts_with("  "))
        .collect();
    assert!(
        calls.iter().any(|call| call.starts_with("  [handleguard] ObReferenceObjectByHandle(")
            && call.ends_with(
                ", SYNCHRONIZE|EVENT_MODIFY_STATE, ExEventObjectType, UserMode) -> STATUS_ACCESS_DENIED"
            )),
        "{trace}"
    );
    assert!(
        calls
            .last()
            .is_some_and(|call| call.starts_with("  [handleguard] IofCompleteRequest(")),
        "{trace}"
    );
    assert!(trace.contains("trace: DriverEntry:\n"), "{trace}");
    assert!(
        trace.contains("  DbgPrint: handleguard: loaded: 64 registrations per open"),
        "{trace}"
    );
    assert!(
        trace.contains("trace: closes and DriverUnload:\n"),
        "{trace}"
    );
    // Without --trace, nothing of it.
    let quiet = hgctl(&["event", "--without-modify-state"]);
    assert!(!stderr(&quiet).contains("trace:"), "{}", stderr(&quiet));
}
