//! The `console` blocks of README.md and docs/cli.md are run against the samples and their output
//! compared, so the docs cannot drift from the tool. A block line `…` stands for any lines; file
//! sizes (`size N bytes`), segment cache keys (hashes of the build) and a render's wall-clock
//! figures are masked, and a `…` inside a line stands for any text. Pipes into `head` and `jq`
//! are applied in Rust; commands not run are listed in [`NOT_RUN`] with their reasons, and the
//! test counts the rest.

use std::path::{Path, PathBuf};

use crate::common::{roughcut_process, samples_dir};

/// Commands shown in the docs but not run here, with why: the command itself, and the same
/// command with more arguments only where the entry ends in a space.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "roughcut samples ",
        "writes the samples themselves (checked by every test that uses them)",
    ),
    (
        "roughcut validate syntax.json ",
        "an illustration of a file the docs do not ship",
    ),
];

/// One command of a console block and the output the docs show for it.
struct Shown {
    doc: &'static str,
    command: String,
    output: Vec<String>,
}

fn blocks(doc: &'static str, text: &str) -> Vec<Shown> {
    let mut shown = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.starts_with("```console") {
            in_block = true;
        } else if in_block && line.starts_with("```") {
            in_block = false;
        } else if in_block {
            if let Some(cmd) = line.strip_prefix("$ ") {
                shown.push(Shown {
                    doc,
                    command: cmd.to_string(),
                    output: Vec::new(),
                });
            } else if let Some(s) = shown.last_mut() {
                s.output.push(line.to_string());
            }
        }
    }
    shown
}

fn masked(line: &str) -> String {
    let mut out = line.to_string();
    for (before, after) in [("size ", " bytes"), ("\"size_bytes\": ", ",")] {
        out = mask_number(&out, before, after);
    }
    // Wall-clock figures of a render: `in 6.6 s, 2.74× realtime`, `in 0.0 s; nothing changed`.
    for after in [" s, ", " s; ", "× realtime"] {
        out = mask_decimal_before(&out, after);
    }
    mask_key(&out)
}

/// A decimal number just before `after` replaced by `T`.
fn mask_decimal_before(line: &str, after: &str) -> String {
    let mut done = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(after) {
        let head = &rest[..i];
        let digits = head
            .bytes()
            .rev()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if digits > 0 {
            done.push_str(&head[..head.len() - digits]);
            done.push('T');
        } else {
            done.push_str(head);
        }
        done.push_str(after);
        rest = &rest[i + after.len()..];
    }
    done.push_str(rest);
    done
}

/// `before` + digits + `after` with the digits replaced by `N`.
fn mask_number(line: &str, before: &str, after: &str) -> String {
    let mut done = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(before) {
        done.push_str(&rest[..i + before.len()]);
        rest = &rest[i + before.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(after) {
            done.push('N');
            rest = &rest[digits..];
        }
    }
    done.push_str(rest);
    done
}

/// Segment cache keys (`key 1a2b3c4d5e6f`, hashes of the build and the inputs) as `key K`.
fn mask_key(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("key ") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex == 12 {
            out.push('K');
            rest = &rest[hex..];
        }
    }
    out.push_str(rest);
    out
}

/// Whether one actual line matches one shown line: equal once masked, where a `…` inside a
/// shown line stands for any text.
fn line_matches(shown: &str, actual: &str) -> bool {
    let (shown, actual) = (masked(shown), masked(actual));
    let mut parts = shown.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether `actual` matches `shown`, where a shown `…` line stands for any run of lines.
fn matches(shown: &[String], actual: &[String]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "…" => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| line_matches(first, a) && matches(rest, more)),
    }
}

/// Where a command's stderr goes: into stdout's file, as a terminal shows both in the order
/// written; apart (a piped stdout); or nowhere (`2>/dev/null`).
#[derive(Clone, Copy, PartialEq)]
enum Stderr {
    Merged,
    Apart,
    Discarded,
}

/// Runs `roughcut ARGS` in `dir`, with a cache of the tour's own (so the README's first render
/// finds nothing cached): its exit code, its stdout (with stderr when merged) and its stderr
/// when kept apart.
fn run_tool(dir: &Path, args: &str, stderr: Stderr) -> (Option<i32>, String, String) {
    let out_log = dir.join("stdout.log");
    let err_log = dir.join("stderr.log");
    let out = std::fs::File::create(&out_log).unwrap();
    let err: std::process::Stdio = match stderr {
        Stderr::Merged => out.try_clone().unwrap().into(),
        Stderr::Apart => std::fs::File::create(&err_log).unwrap().into(),
        Stderr::Discarded => std::process::Stdio::null(),
    };
    let status = roughcut_process()
        .env("ROUGHCUT_CACHE_DIR", dir.join("cache"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .stdout(out)
        .stderr(err)
        .status()
        .unwrap();
    let apart = if stderr == Stderr::Apart {
        std::fs::read_to_string(&err_log).unwrap()
    } else {
        String::new()
    };
    (
        status.code(),
        std::fs::read_to_string(&out_log).unwrap(),
        apart,
    )
}

/// A command line split at its pipes (`|` outside single quotes), trimmed.
fn shell_pipe(line: &str) -> Vec<&str> {
    let mut stages = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '|' if !quoted => {
                stages.push(line[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    stages.push(line[start..].trim());
    stages
}

/// One stage of a shell pipe the docs use: `head -N`, or `jq` with the filters the docs use
/// (`del(.a, .b)`, `.a[N]`, `.a[N] | {k, …}`). Any other stage fails the test: teach it here.
fn pipe(stage: &str, input: &str) -> String {
    if let Some(n) = stage.strip_prefix("head -") {
        let n: usize = n.parse().unwrap();
        return input.lines().take(n).map(|l| format!("{l}\n")).collect();
    }
    let filter = stage
        .strip_prefix("jq '")
        .and_then(|f| f.strip_suffix('\''))
        .unwrap_or_else(|| panic!("the docs pipe into `{stage}`, which this test cannot run"));
    let mut v: serde_json::Value = serde_json::from_str(input).unwrap();
    for step in filter.split(" | ") {
        v = jq_step(step, v);
    }
    format!(
        "{}\n",
        serde_json::to_string_pretty(&as_jq_prints(v)).unwrap()
    )
}

/// jq prints a whole-valued number without a fraction (`-23`, not `-23.0`).
fn as_jq_prints(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(as_jq_prints).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, as_jq_prints(v))).collect())
        }
        other => other,
    }
}

fn jq_step(step: &str, v: serde_json::Value) -> serde_json::Value {
    if let Some(keys) = step.strip_prefix("del(").and_then(|k| k.strip_suffix(')')) {
        let mut v = v;
        for k in keys.split(", ") {
            v.as_object_mut()
                .unwrap()
                .shift_remove(k.trim_start_matches('.'));
        }
        return v;
    }
    if let Some(keys) = step.strip_prefix('{').and_then(|k| k.strip_suffix('}')) {
        let picked: serde_json::Map<String, serde_json::Value> = keys
            .split(", ")
            .map(|k| (k.to_string(), v.get(k).cloned().unwrap_or_default()))
            .collect();
        return serde_json::Value::Object(picked);
    }
    if let Some((key, index)) = step
        .strip_prefix('.')
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.split_once('['))
    {
        return v[key][index.parse::<usize>().unwrap()].clone();
    }
    panic!("the docs use the jq filter `{step}`, which this test cannot run")
}

/// A folder laid out as the docs assume: `edl/` with the shipped EDLs and the samples in
/// `edl/media`.
fn tour_dir() -> PathBuf {
    let dir = samples_dir().join("docs-tour");
    let _ = std::fs::remove_dir_all(&dir);
    let edl = dir.join("edl");
    std::fs::create_dir_all(&edl).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(repo.join("edl")).unwrap().flatten() {
        if e.path()
            .extension()
            .is_some_and(|x| x == "json" || x == "edl")
        {
            std::fs::copy(e.path(), edl.join(e.file_name())).unwrap();
        }
    }
    std::os::unix::fs::symlink(samples_dir(), edl.join("media")).unwrap();
    // docs/cli.md's failed render: `cut.json` over a copy of the PAL sample cut short (it claims
    // 8 s; its pictures end at 2.64 s), with a second event starting at 5 s.
    let whole = std::fs::read(samples_dir().join("amur_2004_pal.mkv")).unwrap();
    std::fs::write(dir.join("amur_cut.mkv"), &whole[..whole.len() * 2 / 5]).unwrap();
    std::fs::write(
        dir.join("cut.json"),
        r#"{ "version": 1, "output": { "path": "t.mp4", "width": 320, "height": 240 },
            "sources": { "amur": { "path": "amur_cut.mkv" } },
            "timeline": [ { "source": "amur", "in": 0, "out": 1 }, { "source": "amur", "in": 5, "out": 7, "name": "late part" } ] }"#,
    )
    .unwrap();
    dir
}

#[test]
fn console_blocks_show_what_the_tool_prints() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut shown = Vec::new();
    for doc in ["README.md", "docs/cli.md"] {
        let text = std::fs::read_to_string(repo.join(doc)).unwrap();
        shown.extend(blocks(doc, &text));
    }
    let dir = tour_dir();
    let mut run = 0;
    let mut last_code: Option<Option<i32>> = None;
    let mut drift = Vec::new();
    for s in &shown {
        if s.command == "echo $?" {
            // After a command that is not run there is nothing to compare.
            let Some(code) = last_code.take() else {
                continue;
            };
            let code = code.map_or_else(|| "a signal".to_string(), |c| c.to_string());
            if s.output != [code.clone()] {
                drift.push(format!(
                    "{}: `echo $?` shows {:?}, the tool exited {code}",
                    s.doc, s.output
                ));
            }
            continue;
        }
        last_code = None;
        let Some(args) = s.command.strip_prefix("roughcut ") else {
            continue;
        };
        if NOT_RUN.iter().any(|(p, _)| {
            s.command == p.trim_end() || (p.ends_with(' ') && s.command.starts_with(p))
        }) {
            continue;
        }
        // A pipe into `head -N` or `jq 'FILTER'` is applied here to the command's stdout.
        let mut stages = shell_pipe(args);
        let args = stages.remove(0);
        let (args, stdout_only) = match args.strip_suffix(" 2>/dev/null") {
            Some(a) => (a, true),
            None => (args, false),
        };
        let stderr = match (stdout_only, stages.is_empty()) {
            (true, _) => Stderr::Discarded,
            (false, true) => Stderr::Merged,
            (false, false) => Stderr::Apart,
        };
        // Piped, stdout goes through the stages and stderr straight to the terminal (first, as
        // the tool writes its warnings before its output).
        let (code, mut out, mut text) = run_tool(&dir, args, stderr);
        for stage in &stages {
            out = pipe(stage, &out);
        }
        text.push_str(&out);
        run += 1;
        last_code = Some(code);
        let actual: Vec<String> = text.lines().map(str::to_string).collect();
        if !matches(&s.output, &actual) {
            drift.push(format!(
                "{}: `{}` shows\n{}\nbut the tool prints\n{}",
                s.doc,
                s.command,
                s.output.join("\n"),
                actual.join("\n")
            ));
        }
    }
    assert!(
        drift.is_empty(),
        "the docs drifted:\n\n{}",
        drift.join("\n\n")
    );
    // README: validate ×2, probe ×2, dry run, render three times (the second from the cache),
    // import, export; docs/cli.md:
    // an unknown command, validate ×4 (one through `head`), probe ×2, a failed render, dry run
    // ×4 (three through `jq`), subtitles. A new console block raises this count on purpose.
    assert_eq!(run, 23, "console commands run");
}

#[test]
fn elisions_and_masks_are_not_blind() {
    let shown = vec![
        "a".to_string(),
        "…".to_string(),
        "size 12 bytes".to_string(),
    ];
    let ok: Vec<String> = ["a", "x", "y", "size 99 bytes"].map(String::from).into();
    assert!(matches(&shown, &ok));
    assert_eq!(
        masked(r#"  "size_bytes": 2840864,"#),
        r#"  "size_bytes": N,"#
    );
    let wrong: Vec<String> = ["a", "size 99 kB"].map(String::from).into();
    assert!(!matches(&shown, &wrong));
    assert!(!matches(&shown[..1], &ok));
}
