//! `roughcut diff`: what changed between two versions of a cut.

use std::path::{Path, PathBuf};

use clap::Args;
use roughcut::review::diff::{self, Change, Shown};

use super::{CliError, CliResult, Exit};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut diff old.json new.json\n  roughcut diff cut.json --rev HEAD~1\n  roughcut diff cut.json --rev main --json > changes.json\n  roughcut diff cut.json --rev main --storyboard review/   # the changed shots framed\n\nEvents are matched by what they show (file and source range, titles by text, gaps in order),\nnot by position: moved, trimmed (head/tail frames), re-sourced, added, removed. Exit 0 when the\ncuts are the same, 4 when they differ, 3 when an EDL is invalid or the revision cannot be read."
)]
pub struct DiffArgs {
    /// The old EDL (or, with --rev, the EDL whose older version to compare against).
    old: PathBuf,
    /// The new EDL (not with --rev).
    new: Option<PathBuf>,
    /// Compare the EDL's version at this git revision (HEAD~1, main, a commit) with the file.
    #[arg(long, conflicts_with = "new")]
    rev: Option<String>,
    /// Print the changes as JSON (the shape `roughcut schema diff` describes).
    #[arg(long)]
    json: bool,
    /// Also write the new cut's storyboard into this folder, the changed shots framed in
    /// colour (added green, moved blue, trimmed yellow, re-sourced magenta) and the removed
    /// ones listed.
    #[arg(long, value_name = "DIR")]
    storyboard: Option<std::path::PathBuf>,
}

pub fn exec(a: DiffArgs) -> CliResult {
    let setup = super::setup(None, false);
    let load = |path: &Path, text: Option<&str>, shown: &str| {
        super::load_checked(path, text, shown, &setup, "compared")
    };
    let (old_shown, new_shown, old, new) = match (&a.new, &a.rev) {
        (Some(new), None) => {
            let (o, n) = (a.old.display().to_string(), new.display().to_string());
            (o.clone(), n.clone(), load(&a.old, None, &o)?, load(new, None, &n)?)
        }
        (None, Some(rev)) => {
            let text = at_revision(&a.old, rev)?;
            let shown = a.old.display().to_string();
            let o = format!("{shown}@{rev}");
            (o.clone(), shown.clone(), load(&a.old, Some(&text), &o)?, load(&a.old, None, &shown)?)
        }
        _ => {
            return Err(CliError::usage(
                "give two EDLs (roughcut diff OLD NEW) or one and a revision (roughcut diff EDL --rev HEAD~1)",
            ))
        }
    };
    let d = diff::diff(&old, &new);
    if a.json {
        super::print_json(&serde_json::json!({ "old": old_shown, "new": new_shown, "diff": d }))?;
    } else {
        let mut out = format!(
            "{old_shown} → {new_shown}: {} change(s); program {} → {} frames\n",
            d.changes.len(),
            d.old_frames,
            d.new_frames
        );
        for c in &d.changes {
            out.push_str(&format!("  {}\n", describe(c)));
        }
        // For people: stderr (stdout carries only machine output, the JSON).
        eprint!("{out}");
    }
    if let Some(dir) = &a.storyboard {
        let plan = roughcut::plan::build(
            &new,
            roughcut::plan::PlanOptions {
                salt: roughcut::media::library_versions(),
                ..Default::default()
            },
        )
        .map_err(CliError::invalid)?;
        let opts = roughcut::storyboard::Options {
            thumb_width: 240,
            video: None,
            warnings: Vec::new(),
            diff: Some(d.clone()),
        };
        super::write_storyboard(&new, &plan, dir, &opts, None, &super::interruptible())?;
    }
    if d.changes.is_empty() {
        Ok(())
    } else {
        Err(CliError::reported(Exit::Differs))
    }
}

fn name(s: &Shown) -> String {
    format!("event {} \"{}\"", s.event, s.name)
}

fn describe(c: &Change) -> String {
    match c {
        Change::Added { new } => format!(
            "added     {} at {} ({} frames)",
            name(new),
            new.timecode,
            new.frames
        ),
        Change::Removed { old } => format!(
            "removed   {} (was at {}, {} frames)",
            name(old),
            old.timecode,
            old.frames
        ),
        Change::Moved { old, new } => format!(
            "moved     {}: was event {} at {}, now at {}",
            name(new),
            old.event,
            old.timecode,
            new.timecode
        ),
        Change::Trimmed {
            old,
            new,
            head_frames,
            tail_frames,
        } => format!(
            "trimmed   {} at {}: head {}, tail {} ({} → {} frames)",
            name(new),
            new.timecode,
            signed(*head_frames),
            signed(*tail_frames),
            old.frames,
            new.frames
        ),
        Change::Resourced { old, new } => format!(
            "resourced {} at {}: {} → {}",
            name(new),
            new.timecode,
            old.file.as_deref().unwrap_or(&old.kind),
            new.file.as_deref().unwrap_or(&new.kind)
        ),
    }
}

/// Frames taken off (`-12`) or added (`+12`): a trim's sign as an editor reads it.
fn signed(frames_off: i64) -> String {
    match frames_off {
        0 => "unchanged".into(),
        n if n > 0 => format!("-{n} frames"),
        n => format!("+{} frames", -n),
    }
}

/// The EDL's text at a git revision.
fn at_revision(path: &Path, rev: &str) -> Result<String, CliError> {
    let dir = super::folder_of(path);
    let file = path
        .file_name()
        .ok_or_else(|| CliError::usage(format!("{}: not a file", path.display())))?;
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .arg("show")
        .arg(format!("{rev}:./{}", file.to_string_lossy()))
        .output()
        .map_err(|e| CliError::invalid(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(CliError::invalid(format!(
            "{} at revision {rev}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| CliError::invalid(format!("{} at {rev} is not UTF-8", path.display())))
}
