//! `hgctl script`: several commands against one open of the device (on the model, one
//! kernel), so each sees what the ones before it did.
use super::catalog::Command;
use crate::failure::{Exit, Failure};
use crate::output::{Format, Output};
use crate::report::{Head, Rendered, Report};
use crate::transport::Transport;
use clap::Parser;
use serde::Serialize;
use serde_json::Value;
use std::io::Read as _;
use std::path::Path;

/// Runs one command on the script's device: what the command list dispatches to.
pub type Dispatch = fn(&Command, &dyn Transport, usize) -> Result<Rendered, Failure>;

/// A script line as clap parses it: a command and its options, no global options.
#[derive(Parser)]
#[command(name = "hgctl", no_binary_name = true, disable_help_subcommand = true)]
struct Line {
    #[command(subcommand)]
    command: Command,
}

/// A line to run.
struct Step {
    number: usize,
    text: String,
    command: Command,
}

/// A line's words: split on whitespace; "..." and '...' keep a word together, backslashes
/// are plain characters (so Windows paths need no escaping).
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn read(path: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|content| text = content)
    };
    read.map_err(|error| Failure::new(format!("script {}: {error}", path.display())))?;
    Ok(text)
}

/// Every line parsed, before any runs.
fn parse(text: &str) -> Result<Vec<Step>, Failure> {
    let mut steps = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words = words(line).map_err(|why| Failure::usage(format!("line {number}: {why}")))?;
        let parsed = Line::try_parse_from(&words).map_err(|error| {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            Failure::usage(format!(
                "line {number} ({line}): {}",
                first.trim_start_matches("error: ")
            ))
        })?;
        let nested = matches!(
            parsed.command,
            Command::Script { .. }
                | Command::Completions { .. }
                | Command::Hold
                | Command::Panic { .. }
        );
        if nested {
            return Err(Failure::usage(format!(
                "line {number} ({line}): `{}` does not run inside a script",
                parsed.command.name()
            )));
        }
        steps.push(Step {
            number,
            text: line.to_string(),
            command: parsed.command,
        });
    }
    Ok(steps)
}

/// What the script came to.
#[derive(Serialize)]
pub struct ScriptReport {
    /// Each line's output: its envelope, with the line's number and text.
    steps: Vec<Value>,
    ran: usize,
    failed: usize,
    #[serde(skip)]
    worst: Exit,
    #[serde(skip)]
    complete: bool,
}

/// Runs the script at `path` (`-`: standard input), printing each line's text as it runs.
///
/// # Errors
/// When the script cannot be read, or a line is not a command (before any line runs).
pub fn run(
    path: &Path,
    device: &dyn Transport,
    output: &Output,
    dispatch: Dispatch,
) -> Result<ScriptReport, Failure> {
    let steps = parse(&read(path)?)?;
    let mut report = ScriptReport {
        steps: Vec::new(),
        ran: 0,
        failed: 0,
        worst: Exit::Success,
        complete: true,
    };
    for step in &steps {
        let head = Head {
            command: Some(step.command.name().to_string()),
            transport: device.name(),
            device: Some(device.device_path().to_string()),
        };
        if output.format == Format::Text
            && crate::output::stdout(&format!("> {}\n", step.text)).is_err()
        {
            report.complete = false;
            break;
        }
        let result = dispatch(&step.command, device, output.width);
        let (mut envelope, exit) = match &result {
            Ok(rendered) => (head.report(rendered), rendered.exit),
            Err(failure) => (head.failure(failure), failure.exit),
        };
        if let Value::Object(object) = &mut envelope {
            object.insert("line".into(), Value::from(step.number));
            object.insert("text".into(), Value::from(step.text.clone()));
        }
        report.steps.push(envelope);
        report.ran += 1;
        if exit != Exit::Success {
            report.failed += 1;
        }
        report.worst = report.worst.max(exit);
        if output.format == Format::Text {
            let printed = match &result {
                Ok(rendered) => output.report(&head, rendered),
                Err(failure) => output.failure(&head, &failure.at_line(step.number)),
            };
            if printed.is_err() {
                report.complete = false;
                break;
            }
        }
    }
    Ok(report)
}

impl Report for ScriptReport {
    fn text(&self, _width: usize) -> String {
        if self.complete {
            format!("script: {} lines run, {} failed\n", self.ran, self.failed)
        } else {
            String::new()
        }
    }

    fn exit(&self) -> Exit {
        self.worst
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_split_on_spaces_and_keep_quotes_and_backslashes() {
        assert_eq!(
            words(r#"file "C:\my files\a.txt" --overlapped"#),
            Ok(vec![
                "file".into(),
                r"C:\my files\a.txt".into(),
                "--overlapped".into()
            ])
        );
        assert_eq!(
            words(r"open-as-me C:\x ''"),
            Ok(vec!["open-as-me".into(), r"C:\x".into(), String::new()])
        );
        assert!(words("file \"C:\\x").is_err());
    }
}
