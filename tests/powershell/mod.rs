//! PowerShell scripts as syntax trees (tree-sitter's PowerShell grammar), and what the VM
//! script tests read off them: commands and their literal arguments, functions, assigned and
//! read variables, exit codes.
use std::collections::BTreeSet;
use tree_sitter::{Node, Parser, Tree};

/// Parses PowerShell text; errors show up as ERROR or MISSING nodes in the tree.
pub fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the grammar's ABI matches tree-sitter's");
    parser.parse(text, None).expect("a tree")
}

/// A parsed script: its file name, its text and its syntax tree.
pub struct Script {
    pub name: String,
    pub text: String,
    tree: Tree,
}

impl Script {
    /// Parses `text` (file `name`).
    pub fn parse(name: &str, text: String) -> Self {
        let tree = parse(&text);
        Self {
            name: name.to_string(),
            text,
            tree,
        }
    }

    /// The text of `node`.
    pub fn source(&self, node: Node<'_>) -> &str {
        &self.text[node.byte_range()]
    }

    /// Every node of the tree, depth first.
    pub fn nodes(&self) -> Vec<Node<'_>> {
        let mut nodes = Vec::new();
        let mut cursor = self.tree.walk();
        loop {
            nodes.push(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return nodes;
                }
            }
        }
    }

    pub fn nodes_of(&self, kind: &str) -> Vec<Node<'_>> {
        self.nodes()
            .into_iter()
            .filter(|node| node.kind() == kind)
            .collect()
    }

    /// The commands the script runs by name, in order.
    pub fn invocations(&self) -> Vec<Invocation> {
        self.nodes_of("command")
            .into_iter()
            .filter_map(|command| {
                let name = child_of(command, "command_name")?;
                let words = child_of(command, "command_elements")
                    .map(|elements| {
                        let mut cursor = elements.walk();
                        elements
                            .named_children(&mut cursor)
                            .filter(|element| element.kind() != "command_argument_sep")
                            .map(|element| Word {
                                literal: element.kind() == "generic_token",
                                text: self.source(element).to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Some(Invocation {
                    name: self.source(name).to_string(),
                    words,
                    line: name.start_position().row + 1,
                })
            })
            .collect()
    }

    /// The functions the script defines.
    pub fn functions(&self) -> BTreeSet<String> {
        self.nodes_of("function_name")
            .into_iter()
            .map(|name| self.source(name).to_string())
            .collect()
    }

    /// The variables the script assigns: `$x = ...`, `param(... $x ...)`, `foreach ($x in ...)`.
    pub fn assigned(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for node in self.nodes() {
            let variable = match node.kind() {
                "left_assignment_expression" => first_variable(node),
                "script_parameter" | "foreach_statement" => child_of(node, "variable"),
                _ => None,
            };
            if let Some(variable) = variable {
                names.insert(variable_name(self.source(variable)));
            }
        }
        names
    }

    /// Each variable the script reads, with its line.
    pub fn used(&self) -> Vec<(String, usize)> {
        self.nodes_of("variable")
            .into_iter()
            .map(|variable| {
                (
                    variable_name(self.source(variable)),
                    variable.start_position().row + 1,
                )
            })
            .collect()
    }

    /// The literal codes of the script's `exit` statements.
    pub fn exit_codes(&self) -> Vec<String> {
        self.nodes_of("flow_control_statement")
            .into_iter()
            .filter(|statement| child_of(*statement, "exit").is_some())
            .map(|statement| {
                let code = &self.source(statement)["exit".len()..];
                code.trim().to_string()
            })
            .collect()
    }
}

/// A command the script runs by name.
pub struct Invocation {
    pub name: String,
    words: Vec<Word>,
    pub line: usize,
}

/// One argument of a command: a literal word (`/install`, `start`) or an expression (`$inf`).
struct Word {
    literal: bool,
    text: String,
}

impl Invocation {
    /// The arguments that name what the command does: its first word when literal (sc.exe's
    /// `start`, rundll32's entry point, bcdedit's `/set`) and every literal `/flag`.
    pub fn verbs(&self) -> Vec<&str> {
        let first = self.words.first().filter(|word| word.literal);
        let flags = self
            .words
            .iter()
            .skip(1)
            .filter(|word| word.literal && word.text.starts_with('/'));
        first
            .into_iter()
            .chain(flags)
            .map(|word| word.text.as_str())
            .collect()
    }
}

fn child_of<'tree>(node: Node<'tree>, kind: &str) -> Option<Node<'tree>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .find(|child| child.kind() == kind)
}

fn first_variable(node: Node<'_>) -> Option<Node<'_>> {
    if node.kind() == "variable" {
        return Some(node);
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).find_map(first_variable)
}

/// `$Name`, `${Name}` and `$script:Name` all name `name` (PowerShell names are case-blind).
fn variable_name(written: &str) -> String {
    let bare = written.trim_start_matches('$');
    let bare = bare.trim_start_matches('{').trim_end_matches('}');
    let bare = bare
        .strip_prefix("script:")
        .or_else(|| bare.strip_prefix("global:"))
        .unwrap_or(bare);
    bare.to_ascii_lowercase()
}
