//! The model's own structure rules, checked on its sources: no module imports a module that
//! (directly or through others) imports it, and no file is over 400 lines unless it says why
//! at its top.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LONG_FILE: usize = 400;
/// The phrase a long file's module documentation uses to give its reason.
const LONG_FILE_REASON: &str = "longer than 400 lines";

fn sources(directory: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(directory)
        .expect("readable source directory")
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// `a::b` for `src/a/b.rs` and `src/a/b/mod.rs`; "" for `lib.rs`.
fn module_of(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).expect("under src");
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts.join("::")
}

fn strip_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d}}` as `a::b`, `a::c::d`.
fn expand(prefix: &str, tree: &str) -> Vec<String> {
    let join = |head: &str, tail: &str| {
        if head.is_empty() {
            tail.to_owned()
        } else {
            format!("{head}::{tail}")
        }
    };
    let Some(open) = tree.find('{') else {
        return vec![join(prefix, tree.trim_end_matches("::"))];
    };
    let base = join(prefix, tree[..open].trim_end_matches("::"));
    let inner = &tree[open + 1..tree.rfind('}').expect("balanced braces")];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (index, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand(&base, item))
        .collect()
}

/// The modules `module`'s source imports (`use crate::`/`super::`/`self::` items and inline
/// `crate::` paths), resolved to the longest existing module prefix.
fn imports(module: &str, source: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let resolve = |path: &[&str]| -> Option<String> {
        (1..=path.len())
            .rev()
            .map(|length| path[..length].join("::"))
            .find(|candidate| modules.contains(candidate))
    };
    let own: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    let source = strip_comments(source);
    let mut found = BTreeSet::new();
    let mut rest = source.as_str();
    while let Some(position) = rest.find("use ") {
        let after = &rest[position + 4..];
        let at_word_start = position == 0
            || !rest[..position]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let end = after.find(';').unwrap_or(after.len());
        let tree: String = after[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        rest = &after[end..];
        if !at_word_start {
            continue;
        }
        for path in expand("", &tree) {
            let path = path.split(" as ").next().unwrap_or_default().to_owned();
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let target: Vec<&str> = match segments.first() {
                Some(&"crate") => segments[1..].to_vec(),
                Some(&"self") => own
                    .iter()
                    .copied()
                    .chain(segments[1..].iter().copied())
                    .collect(),
                Some(&"super") => {
                    let mut base = own.clone();
                    let mut index = 0;
                    while segments.get(index) == Some(&"super") {
                        base.pop();
                        index += 1;
                    }
                    base.into_iter()
                        .chain(segments[index..].iter().copied())
                        .collect()
                }
                _ => continue,
            };
            if let Some(target) = resolve(&target)
                && target != module
                && !target.is_empty()
            {
                found.insert(target);
            }
        }
    }
    for (position, _) in source.match_indices("crate::") {
        let path: String = source[position + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        if let Some(target) = resolve(&segments)
            && target != module
            && !target.is_empty()
        {
            found.insert(target);
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|file| module_of(&root, file)).collect();
    files
        .iter()
        .map(|file| {
            let module = module_of(&root, file);
            let source = std::fs::read_to_string(file).expect("readable source");
            let found = imports(&module, &source, &modules);
            (module, found)
        })
        .collect()
}

/// The modules from which `start` can be reached again, if any (a cycle through `start`).
fn cycle_through(start: &str, graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack: Vec<(String, Vec<String>)> = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                return Some(path);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_a_module_that_imports_it() {
    let graph = graph();
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| cycle_through(module, &graph))
        .map(|cycle| format!("{} -> {}", cycle.join(" -> "), cycle[0]))
        .collect();
    println!("{} modules, {edges} imports between them", graph.len());
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
    // The checker itself must see imports: the I/O manager's flows use the machine.
    assert!(graph["requests::create"].contains("machine"));
}

#[test]
fn no_file_is_over_400_lines_without_a_reason_at_its_top() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&manifest.join("src"), &mut files);
    sources(&manifest.join("tests"), &mut files);
    let mut long = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        let lines = source.lines().count();
        let header: String = source
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join(" ");
        println!(
            "{lines:5} {}",
            file.strip_prefix(manifest).unwrap_or(&file).display()
        );
        if lines > LONG_FILE && !header.contains(LONG_FILE_REASON) {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "files over {LONG_FILE} lines without a reason:\n{}",
        long.join("\n")
    );
}
