//! The width hgctl lays its text out for: the terminal's when standard output is one, else
//! `COLUMNS` when set, else 80 (so piped output and tests see the layout an 80-column
//! terminal shows).
use std::io::IsTerminal as _;

/// The narrowest layout hgctl keeps to; narrower terminals wrap it themselves.
const NARROWEST: usize = 60;
/// Beyond this, lines only get harder to read.
const WIDEST: usize = 120;
/// Without a terminal and without `COLUMNS`.
pub const DEFAULT_WIDTH: usize = 80;

/// The width to lay text out for.
#[must_use]
pub fn width() -> usize {
    let stdout = std::io::stdout();
    let detected = if stdout.is_terminal() {
        terminal_size::terminal_size_of(&stdout).map(|(width, _)| usize::from(width.0))
    } else {
        None
    };
    detected
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .unwrap_or(DEFAULT_WIDTH)
        .clamp(NARROWEST, WIDEST)
}

/// `text` wrapped to `width` columns, every line after the first indented by `indent`
/// spaces (the first by `first`).
#[must_use]
pub fn wrap(text: &str, width: usize, first: usize, indent: usize) -> String {
    let first = " ".repeat(first);
    let rest = " ".repeat(indent);
    let options = textwrap::Options::new(width)
        .initial_indent(&first)
        .subsequent_indent(&rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    textwrap::fill(text, options)
}

/// Every line of `text` that is wider than `width` wrapped, its continuation lines indented
/// two spaces more than it; shorter lines unchanged.
#[must_use]
pub fn wrap_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.chars().count() <= width {
            out.push_str(line);
        } else {
            let indent = line.len() - line.trim_start().len();
            out.push_str(&wrap(line.trim_start(), width, indent, indent + 2));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{wrap, wrap_lines};

    #[test]
    fn only_long_lines_are_wrapped_and_keep_their_indent() {
        let text = "short\n  a line that is rather longer than twenty columns\n";
        assert_eq!(
            wrap_lines(text, 20),
            "short\n  a line that is\n    rather longer\n    than twenty\n    columns\n"
        );
    }

    #[test]
    fn wrapped_lines_fit_and_keep_their_indent() {
        let text =
            "signalled after 20 ms (virtual clock), due in 20 ms; GET_INFO still works afterwards";
        let wrapped = wrap(text, 40, 5, 5);
        assert!(wrapped.lines().all(|line| line.len() <= 40), "{wrapped}");
        assert!(
            wrapped.lines().all(|line| line.starts_with("     ")),
            "{wrapped}"
        );
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>().join(" "),
            text
        );
    }
}
