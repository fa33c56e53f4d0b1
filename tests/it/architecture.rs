//! The layers of docs/architecture.md, checked against the code: every `crate::`, `super::`
//! and `self::` path (and `use` of a child module) of every file in src/ is one edge of a
//! graph of files; no circle between files, no file importing one of a layer above its own,
//! every file in a layer. The layers are read from the document itself, so the two cannot
//! drift. `#[cfg(test)]` modules are left out: tests are not part of the layering.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Source files by their path under src/ (`aws/sdk.rs`), with their text.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().to_str().unwrap();
                let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The code of `text` as a string of tokens' characters: comments, string and character
/// literals blanked out (so a path in a comment or a message is no import).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                i += 2 + hashes;
                while i < b.len() && !b[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
                out.push_str("\"\"");
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' => {
                // A character literal ('x', '\n', '\u{1b}') or a lifetime ('a).
                let end = if b.get(i + 1) == Some(&b'\\') {
                    b[i + 2..]
                        .iter()
                        .position(|&c| c == b'\'')
                        .map(|p| i + 3 + p)
                } else {
                    let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + len) == Some(&b'\'')).then_some(i + 2 + len)
                };
                match end {
                    Some(end) => {
                        out.push_str("' '");
                        i = end;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// `code` without its `#[cfg(test)]` items (the attribute, then an item up to its balanced
/// closing brace or its semicolon).
fn without_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let brace = after.find('{');
        let semi = after.find(';');
        let end = match (brace, semi) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0;
                let mut end = after.len();
                for (i, c) in after[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The module path of a file (`aws/sdk.rs` → `[aws, sdk]`, `aws/mod.rs` → `[aws]`).
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Every path a `use` tree names, joined (`a::{b, c::{d, self}}` → `a::b`, `a::c::d`, `a::c`).
fn expand_use(tree: &str) -> Vec<String> {
    fn go(prefix: &str, tree: &str, out: &mut Vec<String>) {
        let tree = tree.trim();
        let join = |a: &str, b: &str| {
            if a.is_empty() {
                b.to_owned()
            } else {
                format!("{a}::{b}")
            }
        };
        match tree.find('{') {
            Some(open) if tree.ends_with('}') => {
                let head = tree[..open].trim().trim_end_matches("::");
                let prefix = join(prefix, head);
                let inner = &tree[open + 1..tree.len() - 1];
                let (mut depth, mut start) = (0, 0);
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            go(&prefix, &inner[start..i], out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                go(&prefix, &inner[start..], out);
            }
            _ if tree.is_empty() => {}
            _ => {
                // `X as Y`: the path is X.
                let item = tree.split_whitespace().next().unwrap_or(tree);
                match item {
                    "self" | "*" => out.push(prefix.to_owned()),
                    _ => out.push(join(prefix, item)),
                }
            }
        }
    }
    let mut out = Vec::new();
    go("", tree, &mut out);
    out
}

/// The files `file` imports: every `use` path and every `crate::`/`super::`/`self::` path in
/// its code, resolved to the file that defines the longest module prefix of it.
fn imports(file: &str, text: &str, files: &BTreeSet<String>) -> BTreeSet<String> {
    let code = without_tests(&code_only(text));
    let me = module_of(file);
    // Child modules declared here (`mod args;`), which `use args::…` names.
    let children: BTreeSet<String> = code
        .split(';')
        .filter_map(|stmt| {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            match words.as_slice() {
                [.., "mod", name] => Some((*name).to_owned()),
                _ => None,
            }
        })
        .collect();
    // Inline modules (`mod time { … }`): where they start and end, and their names.
    let mut inline: Vec<(usize, usize, String)> = Vec::new();
    for (at, _) in code.match_indices("mod ") {
        if at > 0
            && (code.as_bytes()[at - 1].is_ascii_alphanumeric() || code.as_bytes()[at - 1] == b'_')
        {
            continue;
        }
        let after = &code[at + 4..];
        let name: String = after
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let tail = after.trim_start()[name.len()..].trim_start();
        if name.is_empty() || !tail.starts_with('{') {
            continue;
        }
        let open = code.len() - tail.len();
        let mut depth = 0;
        let mut end = code.len();
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        inline.push((open, end, name));
    }
    // The module a position of the file is in.
    let module_at = |at: usize| -> Vec<String> {
        let mut m = me.clone();
        m.extend(
            inline
                .iter()
                .filter(|(start, end, _)| *start < at && at < *end)
                .map(|(_, _, name)| name.clone()),
        );
        m
    };
    let mut paths: Vec<(usize, String)> = Vec::new();
    // `use` trees, whole (with their braces).
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let boundary = at == 0 || {
            let c = rest.as_bytes()[at - 1];
            !(c.is_ascii_alphanumeric() || c == b'_')
        };
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
        if boundary {
            let pos = code.len() - rest.len() + at;
            paths.extend(expand_use(&rest[at + 4..end]).into_iter().map(|p| (pos, p)));
        }
        rest = &rest[(at + 4).min(end)..];
    }
    // Paths in expressions and types.
    let b = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            if at > 0
                && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_' || b[at - 1] == b':')
            {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            paths.push((at, code[at..end].trim_end_matches(':').to_owned()));
        }
    }
    let mut out = BTreeSet::new();
    for (at, path) in paths {
        let me = module_at(at);
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let Some((first, rest)) = segments.split_first() else {
            continue;
        };
        // The module `self` names in this file (a `mod.rs` is its folder's module).
        let mut module: Vec<String> = match *first {
            "crate" => Vec::new(),
            "self" => me.clone(),
            "super" => {
                let mut m = me.clone();
                m.pop();
                m
            }
            child if children.contains(child) => {
                let mut m = me.clone();
                m.push(child.to_owned());
                m
            }
            _ => continue,
        };
        let mut rest = rest.iter().peekable();
        while rest.peek() == Some(&&"super") {
            module.pop();
            rest.next();
        }
        module.extend(rest.map(|s| (*s).to_owned()));
        // The longest prefix that is a file.
        while !module.is_empty() {
            let joined = module.join("/");
            let target = [format!("{joined}.rs"), format!("{joined}/mod.rs")]
                .into_iter()
                .find(|f| files.contains(f));
            if let Some(target) = target {
                if target != file {
                    out.insert(target);
                }
                break;
            }
            module.pop();
        }
    }
    out
}

/// The layers of docs/architecture.md, top first: the file or folder names that start each
/// line of the first `text` block under `## Layers`.
fn layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"),
    )
    .unwrap();
    let section = &doc[doc.find("## Layers").expect("a Layers section")..];
    let block = &section[section.find("```text").expect("a text block") + 7..];
    let block = &block[..block.find("```").unwrap()];
    block
        .lines()
        .map(|line| {
            line.split_whitespace()
                .take_while(|w| w.ends_with('/') || w.ends_with(".rs"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|names| !names.is_empty())
        .collect()
}

/// The layer name of a file: its top folder (`aws/`) or its own name (`context.rs`).
fn layer_name(file: &str) -> String {
    match file.split_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => file.to_owned(),
    }
}

/// One circle through `from` inside `members` (a strongly connected set), as a path.
fn a_circle(
    from: &str,
    graph: &BTreeMap<String, BTreeSet<String>>,
    members: &BTreeSet<String>,
) -> Vec<String> {
    // Breadth first from `from`'s successors back to `from`.
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from.to_owned()]);
    while let Some(at) = queue.pop_front() {
        for next in graph[&at].iter().filter(|n| members.contains(*n)) {
            if next == from {
                let mut path = vec![at.clone()];
                let mut cur = at.clone();
                while let Some(p) = previous.get(&cur) {
                    path.push(p.clone());
                    cur = p.clone();
                }
                path.reverse();
                path.push(from.to_owned());
                return path;
            }
            if !previous.contains_key(next) && next != from {
                previous.insert(next.clone(), at.clone());
                queue.push_back(next.clone());
            }
        }
    }
    vec![from.to_owned()]
}

/// Strongly connected sets of more than one file (Tarjan).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.graph[v] {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut set = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                set.insert(w.to_owned());
                if w == v {
                    break;
                }
            }
            if set.len() > 1 {
                s.found.push(set);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let files: BTreeSet<String> = sources.keys().cloned().collect();
    sources
        .iter()
        .map(|(file, text)| (file.clone(), imports(file, text, &files)))
        .collect()
}

#[test]
fn the_import_reader_sees_uses_paths_and_child_modules() {
    let files: BTreeSet<String> = ["a/mod.rs", "a/b.rs", "a/c.rs", "d.rs", "e/mod.rs", "e/f.rs"]
        .map(str::to_owned)
        .into();
    let text = r#"
        //! Mentions crate::d in a comment, and "crate::d" in a string.
        mod c;
        use super::b::{self, X as Y};
        use c::Z;
        pub use crate::e::{f::{G, H}, self};
        fn g() -> char { let _ = '"'; crate::e::f::run(); '{' }
        #[cfg(test)]
        mod tests { use crate::d::Q; }
    "#;
    let found = imports("a/mod.rs", text, &files);
    // `super` of a/mod.rs is the crate root (no file: lib.rs is not in the set).
    assert_eq!(
        found,
        ["a/c.rs", "e/f.rs", "e/mod.rs"].map(str::to_owned).into(),
        "{found:?}"
    );
    let found = imports(
        "a/b.rs",
        "use super::c::Z; fn f() { super::super::d::x() } mod inner { use super::X; }",
        &files,
    );
    assert_eq!(found, ["a/c.rs", "d.rs"].map(str::to_owned).into());
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.insert("x.rs".into(), ["y.rs".to_owned()].into());
    graph.insert("y.rs".into(), ["z.rs".to_owned()].into());
    graph.insert("z.rs".into(), ["x.rs".to_owned()].into());
    graph.insert("w.rs".into(), ["x.rs".to_owned()].into());
    let found = circles(&graph);
    assert_eq!(found.len(), 1);
    assert_eq!(
        a_circle("x.rs", &graph, &found[0]),
        ["x.rs", "y.rs", "z.rs", "x.rs"]
    );
}

#[test]
fn no_circle_of_imports_between_files_in_src() {
    let graph = graph();
    let found = circles(&graph);
    let described: Vec<String> = found
        .iter()
        .map(|set| {
            let first = set.iter().next().unwrap();
            format!(
                "{} files: {}\n    e.g. {}",
                set.len(),
                set.iter().cloned().collect::<Vec<_>>().join(", "),
                a_circle(first, &graph, set).join(" -> ")
            )
        })
        .collect();
    assert!(
        found.is_empty(),
        "circles of imports between files in src/:\n  {}",
        described.join("\n  ")
    );
}

#[test]
fn no_file_imports_a_layer_above_its_own_and_every_file_has_a_layer() {
    let layers = layers();
    assert!(layers.len() >= 5, "{layers:?}");
    let count = layers.len();
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, names)| names.iter().map(move |n| (n.as_str(), count - i)))
        .collect();
    let mut wrong = Vec::new();
    for (file, imports) in graph() {
        // The crate root and the program only declare and start the modules.
        if file == "lib.rs" || file == "main.rs" {
            continue;
        }
        let Some(&mine) = rank.get(layer_name(&file).as_str()) else {
            wrong.push(format!(
                "{file} is in no layer of docs/architecture.md (add `{}` to a line)",
                layer_name(&file)
            ));
            continue;
        };
        for import in imports {
            let theirs = rank.get(layer_name(&import).as_str()).copied().unwrap_or(0);
            if theirs > mine {
                wrong.push(format!(
                    "{file} ({}) imports {import} ({}), a layer above",
                    layer_name(&file),
                    layer_name(&import)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
