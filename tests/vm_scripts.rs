//! The Windows VM scripts (scripts/vm/*.ps1), checked as far as a Linux machine can check them.
//!
//! There is no PowerShell here (none in Debian, and the network reaches no other source), so
//! the scripts are parsed with tree-sitter's PowerShell grammar: a grammar written from the
//! language, not Microsoft's parser. A script it accepts could still be refused by PowerShell;
//! what it proves is that no brace, quote or parenthesis is left open and that every statement
//! has the shape of one. On that tree these tests then check what would otherwise only fail on
//! the VM: every native command and flag the scripts run is one docs/windows.md reviewed against
//! Microsoft's pages, every other command is a function of common.ps1 or a core cmdlet, every
//! variable is assigned before `Set-StrictMode -Version Latest` would throw on it, the steps
//! exit only with the codes run-all.ps1 and the README describe, and run-all.ps1 runs the
//! numbered steps in order.
mod powershell;

use powershell::Script;
use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn load(name: &str) -> Script {
    let path = Path::new(ROOT).join("scripts/vm").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Script::parse(name, text)
}

fn scripts() -> Vec<Script> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("scripts/vm"))
        .expect("scripts/vm")
        .map(|entry| entry.expect("a directory entry").file_name())
        .filter_map(|name| name.into_string().ok())
        .filter(|name| {
            Path::new(name)
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("ps1"))
        })
        .collect();
    names.sort();
    names.iter().map(|name| load(name)).collect()
}

/// The numbered steps, `1-enable-test-signing` to `6-uninstall`, in order.
fn steps() -> Vec<Script> {
    scripts()
        .into_iter()
        .filter(|script| {
            script
                .name
                .starts_with(|first: char| first.is_ascii_digit())
        })
        .collect()
}

/// The first two cells of each row of docs/windows.md's table "Reviewed against Microsoft's
/// documentation": what was reviewed, and the page it was reviewed against.
fn review_table() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/windows.md")).expect("docs");
    let (_, table) = doc
        .split_once("## Reviewed against Microsoft's documentation")
        .expect("docs/windows.md has the review section");
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|row| {
            let mut cells = row.split('|').skip(1).map(str::trim);
            let reviewed = cells.next().unwrap_or_default().to_string();
            let page = cells.next().unwrap_or_default().to_string();
            (reviewed, page)
        })
        .collect()
}

/// The words of a review-table cell: split on spaces, backticks and commas, `.exe` dropped,
/// case-blind.
fn cell_words(cell: &str) -> BTreeSet<String> {
    cell.split(|c: char| c.is_whitespace() || c == '`' || c == ',')
        .map(str::to_ascii_lowercase)
        .map(|word| word.trim_end_matches(".exe").to_string())
        .filter(|word| !word.is_empty())
        .collect()
}

/// Core cmdlets of Windows PowerShell 5.1 and PowerShell 7 (modules Microsoft.PowerShell.Core,
/// .Management and .Utility) whose behaviour the scripts rely on only in the ordinary way.
/// Anything Windows-specific (Secure Boot, certificates, event log) or native is not here: it
/// must be in the review table.
const CORE_CMDLETS: &[&str] = &[
    "ConvertFrom-Json",
    "ForEach-Object",
    "Get-ChildItem",
    "Get-Content",
    "Get-Date",
    "Get-ItemPropertyValue",
    "Get-Service",
    "Join-Path",
    "New-Object",
    "Out-Null",
    "Remove-Item",
    "Resolve-Path",
    "Select-Object",
    "Set-Content",
    "Set-StrictMode",
    "Start-Sleep",
    "Test-Path",
    "Where-Object",
    "Write-Host",
];

/// Variables PowerShell sets itself; `$env:` names are the environment.
const AUTOMATIC_VARIABLES: &[&str] = &[
    "_",
    "args",
    "erroractionpreference",
    "false",
    "lastexitcode",
    "matches",
    "null",
    "psscriptroot",
    "true",
];

#[test]
fn every_script_parses_without_an_error_or_a_missing_token() {
    let scripts = scripts();
    assert!(
        scripts.len() >= 8,
        "scripts/vm holds the steps, common.ps1 and run-all.ps1"
    );
    let mut problems = Vec::new();
    for script in &scripts {
        for node in script.nodes() {
            if node.is_error() || node.is_missing() {
                let what = if node.is_missing() {
                    "missing"
                } else {
                    "error"
                };
                let position = node.start_position();
                let near: String = script.source(node).chars().take(50).collect();
                problems.push(format!(
                    "{}:{}:{}: {what} near {near:?}",
                    script.name,
                    position.row + 1,
                    position.column + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_grammar_rejects_what_powershell_would() {
    // The check above is only worth something if the grammar finds real mistakes.
    let broken = [
        "if ($x -eq 1) {\n  Say 'open brace'\n",
        "Say \"unterminated\n",
        "$x = @(\n",
        "function F { param([string] $a }\n",
    ];
    for text in broken {
        assert!(
            powershell::parse(text).root_node().has_error(),
            "accepted {text:?}"
        );
    }
}

#[test]
fn every_native_command_and_flag_was_reviewed_against_microsofts_pages() {
    let rows = review_table();
    assert!(!rows.is_empty(), "the review table has rows");
    let mut unreviewed = Vec::new();
    for script in scripts() {
        for invocation in script.invocations() {
            let command = invocation.name.to_ascii_lowercase();
            let Some(stem) = command.strip_suffix(".exe") else {
                continue;
            };
            let verbs = invocation.verbs();
            let reviewed = rows.iter().any(|(cell, page)| {
                let words = cell_words(cell);
                words.contains(stem)
                    && verbs
                        .iter()
                        .all(|verb| words.contains(&verb.to_ascii_lowercase()))
                    && !page.is_empty()
                    && page != "—"
            });
            if !reviewed {
                unreviewed.push(format!(
                    "{}:{}: {} {}",
                    script.name,
                    invocation.line,
                    invocation.name,
                    verbs.join(" ")
                ));
            }
        }
    }
    assert!(
        unreviewed.is_empty(),
        "commands not in docs/windows.md's review table (with a page): {unreviewed:#?}"
    );
}

#[test]
fn every_other_command_is_a_helper_a_core_cmdlet_or_reviewed() {
    let rows = review_table();
    let helpers = load("common.ps1").functions();
    assert!(helpers.contains("Fail") && helpers.contains("Get-StagedInf"));
    let mut unknown = Vec::new();
    for script in scripts() {
        for invocation in script.invocations() {
            let name = invocation.name.as_str();
            let known = name.to_ascii_lowercase().ends_with(".exe")
                || helpers.contains(name)
                || CORE_CMDLETS.contains(&name)
                || rows
                    .iter()
                    .any(|(cell, _)| cell_words(cell).contains(&name.to_ascii_lowercase()));
            if !known {
                unknown.push(format!("{}:{}: {name}", script.name, invocation.line));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "unknown commands (typo, or review it): {unknown:#?}"
    );
}

#[test]
fn every_variable_is_assigned_somewhere_before_strict_mode_sees_it() {
    // common.ps1 sets `Set-StrictMode -Version Latest`: reading a variable never assigned
    // throws. Every step dot-sources common.ps1, so its variables count for all of them.
    let common = load("common.ps1");
    assert!(common.text.contains("Set-StrictMode -Version Latest"));
    let shared = common.assigned();
    let mut unassigned = Vec::new();
    for script in scripts() {
        let own = script.assigned();
        for (name, line) in script.used() {
            let known = name.starts_with("env:")
                || AUTOMATIC_VARIABLES.contains(&name.as_str())
                || own.contains(&name)
                || shared.contains(&name);
            if !known {
                unassigned.push(format!("{}:{line}: ${name}", script.name));
            }
        }
    }
    assert!(unassigned.is_empty(), "never assigned: {unassigned:#?}");
}

#[test]
fn every_step_loads_the_helpers_and_insists_on_an_elevated_shell_first() {
    for script in steps().iter().chain([load("run-all.ps1")].iter()) {
        let first: Vec<String> = script
            .nodes_of("command")
            .into_iter()
            .take(2)
            .map(|command| script.source(command).to_string())
            .collect();
        assert_eq!(
            first,
            [r#". "$PSScriptRoot\common.ps1""#, "Assert-Admin"],
            "{} must start with the helpers and the elevation check",
            script.name
        );
    }
}

#[test]
fn steps_exit_only_with_the_codes_run_all_understands() {
    // run-all.ps1 and the README: 0 done, 1 failed (Fail's default), 3010 reboot and rerun.
    for script in steps() {
        let codes = script.exit_codes();
        assert!(
            !codes.is_empty(),
            "{} ends with an explicit exit",
            script.name
        );
        for code in codes {
            assert!(
                ["0", "1", "3010"].contains(&code.as_str()),
                "{}: exit {code}",
                script.name
            );
        }
    }
    let run_all = load("run-all.ps1");
    for code in ["0", "3010"] {
        assert!(
            run_all.text.contains(&format!("$code -eq {code}"))
                || run_all.text.contains(&format!("$code -ne {code}")),
            "run-all.ps1 tells exit {code} apart"
        );
    }
}

#[test]
fn run_all_runs_the_numbered_steps_in_order_and_leaves_uninstall_alone() {
    let run_all = load("run-all.ps1");
    let listed: Vec<String> = run_all
        .nodes_of("verbatim_string_characters")
        .into_iter()
        .map(|literal| run_all.source(literal).trim_matches('\'').to_string())
        .filter(|literal| literal.starts_with(|first: char| first.is_ascii_digit()))
        .collect();
    let numbered: Vec<String> = steps()
        .iter()
        .map(|step| step.name.trim_end_matches(".ps1").to_string())
        .filter(|name| name != "6-uninstall")
        .collect();
    assert_eq!(listed, numbered);
}

#[test]
fn the_package_the_scripts_look_for_is_the_one_driver_inf_describes() {
    let common = load("common.ps1");
    let inf = std::fs::read_to_string(Path::new(ROOT).join("driver.inf")).expect("driver.inf");
    let provider = inf
        .lines()
        .find_map(|line| line.trim().strip_prefix("ProviderName"))
        .and_then(|rest| rest.trim().strip_prefix('='))
        .map(|value| value.trim().trim_matches('"'))
        .expect("driver.inf [Strings] ProviderName");
    assert!(
        common
            .text
            .contains(&format!("$ProviderName = '{provider}'")),
        "common.ps1 looks for provider {provider:?}"
    );
    assert!(common.text.contains("$ServiceName = 'handleguard'"));
    assert!(inf.contains("AddService = handleguard,"));
    assert!(common.text.contains("$DriverFile  = 'handleguard.sys'"));
}

/// The `run:` scripts of the Windows workflow, with the line each starts on. Every job runs on
/// windows-latest, where a step's default shell is pwsh. A literal block (`run: |`) is the
/// lines indented deeper than its key; this reads only that much YAML.
fn workflow_scripts() -> Vec<(usize, String)> {
    let path = Path::new(ROOT).join(".github/workflows/windows-wdk.yml");
    let workflow = std::fs::read_to_string(path).expect("the workflow");
    assert!(workflow.contains("runs-on: windows-latest"));
    let lines: Vec<&str> = workflow.lines().collect();
    let mut scripts = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some((key, value)) = line.trim_start().split_once(':') else {
            continue;
        };
        if key != "run" {
            continue;
        }
        let value = value.trim();
        if value != "|" {
            scripts.push((index + 1, value.to_string()));
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body: Vec<&str> = lines[index + 1..]
            .iter()
            .take_while(|next| {
                next.trim().is_empty() || next.len() - next.trim_start().len() > indent
            })
            .copied()
            .collect();
        scripts.push((index + 2, body.join("\n")));
    }
    scripts
}

#[test]
fn the_workflows_powershell_parses_too() {
    let scripts = workflow_scripts();
    assert!(
        scripts.len() >= 4,
        "the workflow's run steps: {}",
        scripts.len()
    );
    for (line, script) in scripts {
        assert!(
            !powershell::parse(&script).root_node().has_error(),
            "windows-wdk.yml:{line}: {script}"
        );
    }
}
