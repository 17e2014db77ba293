//! The shape of the library, checked from its source: modules import without cycles, the
//! maths imports nothing from the application, the library has no command line (no clap,
//! anyhow or indicatif), and files and functions stay short enough to read.
//!
//! Imports are read from the text: every `crate::x` path (including `use crate::{x, y}`)
//! outside comments and outside the `#[cfg(test)]` module at the bottom of a file (tests may
//! use printers to check what they print) is an edge from the file's top-level module to `x`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The library's source files with their top-level module (`src/a.rs`, `src/a/…` → `a`);
/// the binary (`main.rs`, `cli/`) is left out.
fn library_files() -> Vec<(String, PathBuf)> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for p in files {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "main" || module == "cli" {
            continue;
        }
        out.push((module, p));
    }
    assert!(out.len() > 50, "found only {} library files under {}", out.len(), src.display());
    out
}

/// The code of a file without comments and without its trailing test module.
fn code(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Top-level modules named after `crate::` in `code`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `leadscore_crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first segment of each top-level item of the group.
            let mut depth = 0;
            let mut item = String::new();
            let mut items = Vec::new();
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                    c => item.push(c),
                }
            }
            items.push(item);
            for it in items {
                let name: String = it.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in library_files() {
        let deps = imports(&code(&std::fs::read_to_string(&path).unwrap()));
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(deps.into_iter().filter(|d| *d != module && d != "lib" && d != "versions"));
    }
    graph.remove("lib");
    graph
}

/// A cycle through the graph, if any, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == d).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn import_reader_sees_groups_and_paths() {
    let got = imports("use crate::{a::b::{C, D}, e};\nlet x = crate::f::g(); other_crate::h;");
    assert_eq!(got.into_iter().collect::<Vec<_>>(), ["a", "e", "f"]);
    assert!(code("use crate::x;\n// crate::y\n#[cfg(test)]\nmod tests {\n use crate::z;\n}").contains("crate::x"));
    assert!(!code("// crate::y\n#[cfg(test)]\nmod tests {\n use crate::z;\n}").contains("crate::"));
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(find_cycle(&g), Some(vec!["a".to_string(), "b".to_string(), "a".to_string()]));
}

#[test]
fn no_module_imports_from_a_module_that_imports_it() {
    let graph = module_graph();
    assert!(graph.len() >= 15, "{graph:?}");
    assert_eq!(find_cycle(&graph), None, "import cycle; the graph: {graph:#?}");
}

#[test]
fn the_maths_and_plumbing_import_nothing_from_the_application() {
    let graph = module_graph();
    // What each bottom layer may import (from the library; any external crate is fine).
    let allowed: [(&str, &[&str]); 4] = [("evaluation", &["rng"]), ("rng", &[]), ("explain", &[]), ("data", &[])];
    for (module, may) in allowed {
        let deps = graph.get(module).unwrap_or_else(|| panic!("no module {module}"));
        let extra: Vec<&String> = deps.iter().filter(|d| !may.contains(&d.as_str())).collect();
        assert!(extra.is_empty(), "{module} imports {extra:?} (it may import only {may:?})");
    }
}

#[test]
fn the_library_has_no_command_line() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    assert!(!code(&lib).contains("mod cli"), "src/lib.rs declares the CLI");
    for (_, path) in library_files() {
        let text = code(&std::fs::read_to_string(&path).unwrap());
        for krate in ["clap", "anyhow", "indicatif"] {
            let used = text.contains(&format!("{krate}::")) || text.contains(&format!("use {krate}"));
            assert!(!used, "{} uses {krate}: that belongs in the binary (src/cli/)", path.display());
        }
    }
}
/// Functions allowed past the length limit: hot loops, kept whole so the compiler sees them
/// in one piece.
const LONG_HOT_LOOPS: [(&str, &str); 3] =
    [("crates/gbm/src/grow.rs", "grow"), ("crates/gbm/src/booster.rs", "fit_inner"), ("src/rules/engine.rs", "lead")];

/// Functions of a file longer than `limit` lines: `(name, lines)`, from the line of `fn` to the
/// closing brace at the same indentation.
fn long_functions(text: &str, limit: usize) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        let t = t.strip_prefix("pub ").or_else(|| t.strip_prefix("pub(crate) ")).unwrap_or(t);
        let Some(rest) = t.strip_prefix("fn ") else { continue };
        if l.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let close = " ".repeat(indent) + "}";
        let end = lines[i + 1..].iter().position(|x| x.trim_end() == close).map_or(lines.len(), |k| i + 1 + k);
        let n = end - i + 1;
        if n > limit {
            out.push((name, n));
        }
    }
    out
}

#[test]
fn files_and_functions_stay_short() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("crates/gbm/src"), &mut files);
    assert!(files.len() > 60);
    let mut problems = Vec::new();
    for p in &files {
        let text = std::fs::read_to_string(p).unwrap();
        let rel = p.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        let n = text.lines().count();
        if n > 600 {
            problems.push(format!("{rel}: {n} lines (split it by concept)"));
        }
        for (name, len) in long_functions(&text, 100) {
            if !LONG_HOT_LOOPS.contains(&(rel.as_str(), name.as_str())) {
                problems.push(format!("{rel}: fn {name} is {len} lines"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(long_functions("fn a() {\n    x;\n}\n", 2), [("a".to_string(), 3)]);
}
