//! The book shows code only through `{{#include path:anchor}}`, and mdBook
//! does not fail when such an include is broken: a missing anchor renders an
//! empty block, a missing file logs an error but exits 0, and so does a
//! SUMMARY entry with no file. This test is the guard. It reads every `.md`
//! under `book/src` and fails, listing every problem at once, when
//!
//! - an included file does not exist,
//! - an anchor has no `ANCHOR: name` ... `ANCHOR_END: name` pair in its file,
//! - a (non-draft) SUMMARY entry points to a missing page.
//!
//! Run it alone with `cargo test --test book_includes`.

use std::fs;
use std::path::{Path, PathBuf};

/// One `{{#include ...}}` (or `rustdoc_include`, `playground`) found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Include {
    /// The page it was found in.
    page: PathBuf,
    /// 1-based line in the page.
    line: usize,
    /// The included file, resolved against the page's directory.
    target: PathBuf,
    /// The path as written, for messages.
    written: String,
    /// `Some(name)` for `path:name`; `None` for a whole file or a line range.
    anchor: Option<String>,
}

/// The mdBook link commands that read another file.
const COMMANDS: [&str; 3] = ["include", "rustdoc_include", "playground"];

/// Every include command in `text` (the contents of `page`). Like mdBook, a
/// backslash before `{{` escapes the command, and the part after the first
/// `:` is an anchor name unless it is a line range (`10`, `10:20`, `:20`, `10:`).
fn find_includes(page: &Path, text: &str) -> Vec<Include> {
    let dir = page.parent().unwrap_or(Path::new("."));
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        let escaped_before = |s: &str, at: usize| at > 0 && s.as_bytes()[at - 1] == b'\\';
        while let Some(at) = rest.find("{{") {
            let escaped = escaped_before(rest, at);
            let after = &rest[at + 2..];
            let Some(end) = after.find("}}") else { break };
            let body = after[..end].trim();
            rest = &after[end + 2..];
            if escaped {
                continue;
            }
            let Some(body) = body.strip_prefix('#') else { continue };
            let (command, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
            if !COMMANDS.contains(&command) {
                continue;
            }
            // `playground` takes extra words after the path (`editable`): keep the first.
            let arg = args.split_whitespace().next().unwrap_or("");
            let (path, selector) = match arg.split_once(':') {
                Some((p, s)) => (p, Some(s)),
                None => (arg, None),
            };
            let is_range = |s: &str| s.split(':').all(|part| part.chars().all(|c| c.is_ascii_digit()));
            let anchor = selector.filter(|s| !is_range(s)).map(str::to_string);
            found.push(Include {
                page: page.to_path_buf(),
                line: i + 1,
                target: dir.join(path),
                written: arg.to_string(),
                anchor,
            });
        }
    }
    found
}

/// The anchor names a file opens with `ANCHOR: name` and closes with
/// `ANCHOR_END: name` (names as mdBook reads them: letters, digits, `_`, `-`).
fn anchor_names(text: &str, marker: &str) -> Vec<(usize, String)> {
    let mut names = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find(marker) {
            let after = rest[at + marker.len()..].trim_start();
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
            if !name.is_empty() {
                names.push((i + 1, name));
            }
            rest = &rest[at + marker.len()..];
        }
    }
    names
}

/// What is wrong with one include, if anything.
fn check_include(inc: &Include) -> Option<String> {
    let at = format!("{}:{}: {{{{#include {}}}}}", inc.page.display(), inc.line, inc.written);
    let Ok(text) = fs::read_to_string(&inc.target) else {
        return Some(format!("{at}: file {} does not exist", inc.target.display()));
    };
    let name = inc.anchor.as_ref()?;
    let opens: Vec<usize> =
        anchor_names(&text, "ANCHOR:").into_iter().filter(|(_, n)| n == name).map(|(l, _)| l).collect();
    let closes: Vec<usize> =
        anchor_names(&text, "ANCHOR_END:").into_iter().filter(|(_, n)| n == name).map(|(l, _)| l).collect();
    let file = inc.target.display();
    match (opens.first(), closes.first()) {
        (None, None) => Some(format!("{at}: no `ANCHOR: {name}` / `ANCHOR_END: {name}` in {file}")),
        (Some(_), None) => Some(format!("{at}: `ANCHOR: {name}` has no `ANCHOR_END: {name}` in {file}")),
        (None, Some(_)) => Some(format!("{at}: `ANCHOR_END: {name}` has no `ANCHOR: {name}` in {file}")),
        (Some(o), Some(c)) if c < o => {
            Some(format!("{at}: `ANCHOR_END: {name}` (line {c}) comes before `ANCHOR: {name}` (line {o}) in {file}"))
        }
        _ => None,
    }
}

/// The pages SUMMARY.md links to: `[Title](path.md)`. Draft entries
/// (`[Title]()`) and external links are not pages.
fn summary_links(summary: &str) -> Vec<(usize, String)> {
    let mut links = Vec::new();
    for (i, line) in summary.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let link = after[..end].trim();
            let path = link.split('#').next().unwrap_or("");
            if !path.is_empty() && !path.contains("://") {
                links.push((i + 1, path.to_string()));
            }
            rest = &after[end + 1..];
        }
    }
    links
}

/// Every problem with the book under `src`: broken includes and SUMMARY
/// entries without a page. Also returns how many includes were checked.
fn book_problems(src: &Path) -> (usize, Vec<String>) {
    let mut pages = Vec::new();
    collect_markdown(src, &mut pages);
    pages.sort();
    let mut problems = Vec::new();
    let mut count = 0;
    for page in &pages {
        let text = fs::read_to_string(page).unwrap_or_else(|e| panic!("reading {}: {e}", page.display()));
        for inc in find_includes(page, &text) {
            count += 1;
            problems.extend(check_include(&inc));
        }
    }
    let summary_path = src.join("SUMMARY.md");
    match fs::read_to_string(&summary_path) {
        Err(e) => problems.push(format!("{}: {e}", summary_path.display())),
        Ok(summary) => {
            for (line, link) in summary_links(&summary) {
                if !src.join(&link).is_file() {
                    problems.push(format!(
                        "{}:{line}: entry ({link}) has no page {}",
                        summary_path.display(),
                        src.join(&link).display()
                    ));
                }
            }
        }
    }
    (count, problems)
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_markdown(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

#[test]
fn every_book_include_and_summary_entry_resolves() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book").join("src");
    let (count, problems) = book_problems(&src);
    assert!(
        problems.is_empty(),
        "the book has {} broken reference(s) (mdBook would render them silently empty):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    // The book shows code only through includes: finding none means this
    // test is reading the wrong directory or its parser is broken.
    assert!(count > 0, "found no {{{{#include}}}} under {}: the check would pass vacuously", src.display());
    println!("checked {count} includes under {}", src.display());
}

/// The checker itself, on a tiny book with one good include, a missing
/// anchor, a half-open anchor, a missing file, a line range, an escaped
/// include, a draft entry and a missing page.
#[test]
fn checker_catches_broken_includes() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("book_includes_selftest_{}", std::process::id()));
    let src = dir.join("src");
    fs::create_dir_all(src.join("code")).unwrap();
    fs::write(
        src.join("code").join("a.rs"),
        "// ANCHOR: good\nfn good() {}\n// ANCHOR_END: good\n// ANCHOR: half_open\nfn half() {}\n",
    )
    .unwrap();
    let page = "# Page\n\
                ```rust,ignore\n{{#include code/a.rs:good}}\n```\n\
                ```rust,ignore\n{{#include code/a.rs:missing_anchor}}\n```\n\
                {{#include code/a.rs:half_open}}\n\
                {{ #rustdoc_include code/nowhere.rs }}\n\
                {{#include code/a.rs:2:3}} and {{#include code/a.rs}}\n\
                \\{{#include escaped/not/checked.rs}}\n";
    fs::write(src.join("page.md"), page).unwrap();
    fs::write(src.join("SUMMARY.md"), "# Summary\n\n- [Page](page.md)\n- [Draft]()\n- [Gone](gone.md)\n").unwrap();

    let incs = find_includes(&src.join("page.md"), page);
    let written: Vec<&str> = incs.iter().map(|i| i.written.as_str()).collect();
    assert_eq!(
        written,
        [
            "code/a.rs:good",
            "code/a.rs:missing_anchor",
            "code/a.rs:half_open",
            "code/nowhere.rs",
            "code/a.rs:2:3",
            "code/a.rs"
        ]
    );
    assert_eq!(incs[0].anchor.as_deref(), Some("good"));
    assert_eq!(incs[4].anchor, None, "a line range is not an anchor");

    let (count, problems) = book_problems(&src);
    assert_eq!(count, 6);
    let all = problems.join("\n");
    assert_eq!(problems.len(), 4, "expected exactly 4 problems, got:\n{all}");
    assert!(all.contains("no `ANCHOR: missing_anchor`"), "{all}");
    assert!(all.contains("`ANCHOR: half_open` has no `ANCHOR_END: half_open`"), "{all}");
    assert!(all.contains("nowhere.rs does not exist"), "{all}");
    assert!(all.contains("entry (gone.md) has no page"), "{all}");
    assert!(!all.contains(":good"), "the good anchor was reported: {all}");
    assert!(!all.contains("escaped"), "an escaped include was checked: {all}");
    let _ = fs::remove_dir_all(&dir);
}
