//! The house: every module of `src/` has a floor, and a module uses only floors below its own.
//! Data flows down; nothing imports upward; FFmpeg appears only under `src/media/`.
//!
//! Every `crate::`, `super::`, `self::` and (in the binary) `roughcut::` path is read from the
//! parsed source with syn — `use` lines, paths inside functions, types and expressions — and from
//! the tokens of macro calls (`format!(…)`, `matches!(…)`), so an inline
//! `crate::media::probe::probe_file(…)` counts as much as a `use` line. A path is charged to
//! the longest row of the table it falls under; a module may use its own row and rows on lower
//! floors only. The table is the architecture: `docs/architecture.md` shows it, and these tests
//! check both ways that the document lists every row with the same floor, shows no row the
//! table lacks, and names no file under `src/` that does not exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// (module, floor). Rows under `media` order its parts so that none calls back into another.
const TABLE: &[(&str, u32)] = &[
    // Plain data and exact arithmetic.
    ("time", 0),
    ("cancel", 0),
    ("facts", 1),
    ("subs", 1),
    ("colour_class", 2),
    ("edl", 2),
    ("plan", 3),
    ("interchange", 3),
    ("review", 3),
    // The only FFmpeg user, and the segment cache (files, no FFmpeg).
    ("media", 4),
    ("media::graph", 5),
    ("media::layout", 5),
    ("media::packets", 5),
    ("media::encode", 5),
    ("media::reader", 6),
    ("media::overlay", 7),
    ("media::colour", 7),
    ("media::loudness", 7),
    ("media::measure", 7),
    ("media::sound_only", 7),
    ("media::subtitle", 7),
    ("media::synth", 7),
    ("media::probe", 8),
    ("media::image", 8),
    ("media::segment::job", 8),
    ("media::segment::sink", 9),
    ("media::segment::sound", 9),
    ("media::segment::generated", 9),
    ("media::segment::dissolve", 10),
    ("media::segment::source", 10),
    ("media::segment::still", 10),
    ("media::segment::title", 10),
    ("media::segment", 11),
    ("media::assemble", 12),
    ("cache", 4),
    ("walk", 4),
    // Running work: facts for a draft, plans, the sample set.
    ("gather", 20),
    ("render", 20),
    ("verify", 21),
    ("storyboard", 21),
    ("samples", 20),
    ("transcode", 21),
    ("import", 21),
    // The fuzz targets' invariants (pure; above what they check, profiles included).
    ("fuzzing", 22),
    // The binary: exit codes, text and progress displays, the shared command helpers, one file
    // per command, and main on top.
    ("cli::exit", 30),
    ("cli::text", 31),
    ("cli::ui", 31),
    ("cli", 32),
    ("cli::cache", 33),
    ("cli::diff", 33),
    ("cli::export", 33),
    ("cli::import", 33),
    ("cli::probe", 33),
    ("cli::render", 33),
    ("cli::samples", 33),
    ("cli::schema", 33),
    ("cli::storyboard", 33),
    ("cli::subtitles", 33),
    ("cli::transcode", 33),
    ("cli::validate", 33),
    ("cli::verify", 33),
    ("main", 34),
];

fn floor_of(module: &str) -> Option<(&'static str, u32)> {
    TABLE
        .iter()
        .filter(|(m, _)| module == *m || module.starts_with(&format!("{m}::")))
        .max_by_key(|(m, _)| m.len())
        .copied()
}

/// A source file and the module it is.
struct File {
    path: PathBuf,
    /// Module path inside its crate (`edl::validate::output`; the binary's are `main` and
    /// `cli::…`).
    module: Vec<String>,
    binary: bool,
}

fn files() -> Vec<File> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).expect("under src");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            let binary = parts.first().is_some_and(|f| f == "main" || f == "cli");
            if parts == ["lib"] {
                parts.clear();
            }
            out.push(File {
                path: p,
                module: parts,
                binary,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Every path a file names, as written (segments).
#[derive(Default)]
struct Paths {
    found: Vec<Vec<String>>,
    /// How deep inside inline `mod x { … }` blocks of the file the visitor is.
    depth: usize,
}

impl Paths {
    /// Keep a path; a leading `super` that only climbs out of the file's inline modules (a
    /// `mod tests { use super::*; }`) names the file's own module.
    fn push(&mut self, mut v: Vec<String>) {
        let climbs = v.iter().take_while(|s| *s == "super").count();
        let inside = climbs.min(self.depth);
        if inside > 0 {
            v.drain(..inside);
            if climbs == inside {
                v.insert(0, "self".into());
            }
        }
        self.found.push(v);
    }

    fn add_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        // Paths inside macro calls are tokens, not syntax: find `a :: b :: c` runs.
        let text = tokens.to_string();
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let mut run = vec![words[i].to_string()];
            let mut j = i;
            while j + 2 < words.len() && words[j + 1] == "::" {
                run.push(words[j + 2].to_string());
                j += 2;
            }
            if run.len() > 1 {
                self.push(run);
            }
            i = j + 1;
        }
    }

    fn add_use(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_use(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut v = prefix.clone();
                v.push(n.ident.to_string());
                self.push(v);
            }
            syn::UseTree::Rename(r) => {
                let mut v = prefix.clone();
                v.push(r.ident.to_string());
                self.push(v);
            }
            syn::UseTree::Glob(_) => {
                let mut v = prefix.clone();
                v.push("*".into());
                self.push(v);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_use(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let inline = m.content.is_some();
        self.depth += usize::from(inline);
        syn::visit::visit_item_mod(self, m);
        self.depth -= usize::from(inline);
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.add_use(&mut Vec::new(), &u.tree);
    }
    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {
        // `pub(super)`, `pub(in crate::x)`: who may see an item, not a use of another module.
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.add_tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

/// The module a path refers to, as a crate-absolute module path of the library (`None`: not
/// a path into the crate — std, serde, a local name).
fn resolve(file: &File, path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    let mut here = file.module.clone();
    // A path may start with the name of a child module (`use job::FrameSink;`).
    let mut child = here.clone();
    child.push(first.to_string());
    if MODULES.with(|m| m.borrow().contains(&child.join("::"))) {
        return Some(here.into_iter().chain(path.iter().cloned()).collect());
    }
    let rest: Vec<String> = match first {
        "crate" => path[1..].to_vec(),
        "roughcut" if file.binary => path[1..].to_vec(),
        "self" => {
            let mut v = here.clone();
            v.extend(path[1..].iter().cloned());
            v
        }
        "super" => {
            let mut i = 0;
            while path.get(i).is_some_and(|s| s == "super") {
                here.pop();
                i += 1;
            }
            let mut v = here;
            v.extend(path[i..].iter().cloned());
            v
        }
        _ => return None,
    };
    Some(rest)
}

thread_local! {
    /// Every module of the library, for telling child-module paths from local names.
    static MODULES: std::cell::RefCell<BTreeSet<String>> = std::cell::RefCell::new(
        files().into_iter().map(|f| f.module.join("::")).collect()
    );
}

#[test]
fn modules_use_only_lower_floors_and_ffmpeg_stays_in_media() {
    let mut problems = Vec::new();
    let mut seen_rows: BTreeSet<&str> = BTreeSet::new();
    for file in files() {
        let shown = file
            .path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&file.path)
            .display()
            .to_string();
        if file.module.is_empty() {
            continue; // lib.rs only declares the modules.
        }
        let module = file.module.join("::");
        let Some((row, floor)) = floor_of(&module) else {
            problems.push(format!(
                "{shown}: module `{module}` has no place in the table; give it a floor"
            ));
            continue;
        };
        seen_rows.insert(row);
        let text = std::fs::read_to_string(&file.path).expect("read source");
        if !module.starts_with("media") && text.contains("ffmpeg_next") {
            problems.push(format!("{shown}: names ffmpeg_next outside src/media/"));
        }
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{shown}: {e}"));
        let mut paths = Paths::default();
        paths.visit_file(&ast);
        let mut reported = BTreeMap::new();
        for p in &paths.found {
            let Some(target) = resolve(&file, p) else {
                continue;
            };
            let target_text = target.join("::");
            if !module.starts_with("media") && target_text.starts_with("media::ff") {
                problems.push(format!(
                    "{shown}: uses FFmpeg (`{}`) outside src/media/",
                    p.join("::")
                ));
                continue;
            }
            let Some((to_row, to_floor)) = floor_of(&target_text) else {
                continue; // the crate root itself (lib.rs) holds nothing
            };
            if to_row == row || to_floor < floor {
                continue;
            }
            reported.entry(to_row).or_insert_with(|| p.join("::"));
        }
        for (to_row, example) in reported {
            let to_floor = floor_of(to_row).map_or(0, |f| f.1);
            problems.push(format!(
                "{shown}: `{row}` (floor {floor}) uses `{to_row}` (floor {to_floor}), which is not below it: `{example}`"
            ));
        }
    }
    for (row, _) in TABLE {
        if !seen_rows.contains(row) {
            problems.push(format!("the table's row `{row}` names no module of src/"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_architecture_document_shows_the_same_table() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .expect("docs/architecture.md");
    let mut missing = Vec::new();
    for (module, floor) in TABLE {
        let row = format!("| {floor} | `{module}` |");
        if !doc.contains(&row) {
            missing.push(row);
        }
    }
    assert!(
        missing.is_empty(),
        "docs/architecture.md lacks these rows of the floors table:\n{}",
        missing.join("\n")
    );
}

/// The other way round: every row of the document's floors table is a row of `TABLE` with the
/// same floor (so the document cannot show a module that is gone or moved), every file or
/// folder under `src/` the document names exists, and every command has a row of its own.
#[test]
fn the_architecture_document_names_only_what_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc =
        std::fs::read_to_string(root.join("docs/architecture.md")).expect("docs/architecture.md");
    let mut problems = Vec::new();
    for line in doc.lines() {
        // `| 20 | `render` | job |`
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(floor), Some(module)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let (Ok(floor), Some(module)) = (
            floor.parse::<u32>(),
            module.strip_prefix('`').and_then(|m| m.strip_suffix('`')),
        ) else {
            continue;
        };
        match TABLE.iter().find(|(m, _)| *m == module) {
            Some((_, f)) if *f == floor => {}
            Some((_, f)) => problems.push(format!(
                "the document puts `{module}` on floor {floor}; the table says {f}"
            )),
            None => problems.push(format!(
                "the document shows a row `{module}` that the table does not have"
            )),
        }
    }
    // Paths written in backticks: `src/edl/raw.rs`, `src/media/segment/` (templates such as
    // `src/cli/<name>.rs` are left out).
    for piece in doc.split('`').skip(1).step_by(2) {
        if piece.starts_with("src/") && !piece.contains(['<', '{', '*', ' ', '…']) {
            let path = piece.split(['#', ':']).next().unwrap_or(piece);
            if !root.join(path).exists() {
                problems.push(format!(
                    "the document names `{piece}`, which does not exist"
                ));
            }
        }
    }
    // Every command file is a row of its own (`cli::verify`, not charged to `cli`).
    for file in files() {
        let module = file.module.join("::");
        if file.binary
            && file.module.len() == 2
            && floor_of(&module).map(|f| f.0) != Some(module.as_str())
        {
            problems.push(format!("`{module}` has no row of its own in the table"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_check_sees_inline_and_macro_paths() {
    // The reader itself must find an upward path written inline, in a macro, in a use group.
    let src = r#"
        use crate::{plan::Plan, media::segment};
        fn f() { let x = crate::render::queue::run; let y = format!("{}", crate::transcode::BUILTIN.len()); }
    "#;
    let file = File {
        path: PathBuf::from("src/edl/x.rs"),
        module: vec!["edl".into(), "x".into()],
        binary: false,
    };
    let mut paths = Paths::default();
    paths.visit_file(&syn::parse_file(src).expect("parse"));
    let targets: BTreeSet<String> = paths
        .found
        .iter()
        .filter_map(|p| resolve(&file, p))
        .filter_map(|t| floor_of(&t.join("::")).map(|f| f.0.to_string()))
        .collect();
    for want in ["plan", "media::segment", "render", "transcode"] {
        assert!(targets.contains(want), "{want} not seen in {targets:?}");
    }
    // Inside an inline `mod tests`, `super` is the file's own module; one more climbs out.
    let src = r#"
        mod tests { use super::*; fn g() { let z = super::super::render::queue::run; } }
    "#;
    let file = File {
        path: PathBuf::from("src/plan/x.rs"),
        module: vec!["plan".into(), "x".into()],
        binary: false,
    };
    let mut paths = Paths::default();
    paths.visit_file(&syn::parse_file(src).expect("parse"));
    let targets: Vec<String> = paths
        .found
        .iter()
        .filter_map(|p| resolve(&file, p))
        .map(|t| t.join("::"))
        .collect();
    assert!(targets.contains(&"plan::x::*".to_string()), "{targets:?}");
    assert!(
        targets.contains(&"plan::render::queue::run".to_string()),
        "{targets:?}"
    );
}
