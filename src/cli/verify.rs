//! `roughcut verify`: does a rendered file match the plan its EDL makes today?

use std::path::PathBuf;

use clap::Args;
use roughcut::verify::{self, Verification};

use super::{CliError, CliResult, Exit};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut verify cut.json out/cut.mp4\n  roughcut verify cut.json out/cut.mp4 --json > verify.json\n  roughcut render cut.json && roughcut verify cut.json out/cut.mp4 || echo 'stale render'\n\nChecks the container, codecs, size, rate, frame and sample counts, each event's first, middle\nand last frame against the same frame rendered anew (a one-second piece alone, by the same\npipeline), black in gaps, neutral chroma in black-and-white events and the sound's offset\n(cross-correlated with the piece's, in samples). Reference frames come from the segment cache
when the render left its segments there (decoded, not rendered again: renders are
byte-identical), else from pieces rendered anew. Exit 0 when the file matches, 4 when it\ndiffers (which events, which frames, by how much), 1 when nothing differs but a planned check\ncould not be made (which, and why), 3 when the EDL or the file is invalid."
)]
pub struct VerifyArgs {
    /// The EDL the file should be a render of.
    edl: PathBuf,
    /// The rendered file.
    file: PathBuf,
    /// Print the verdict as JSON (the shape `roughcut schema verify` describes).
    #[arg(long)]
    json: bool,
    /// Segment workers (default: the number of cores).
    #[arg(long)]
    jobs: Option<u16>,
    /// The segment cache to take reference frames from (default: $ROUGHCUT_CACHE_DIR, else
    /// ~/.cache/roughcut): the render's own segments under today's keys, decoded instead of
    /// rendered again.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Render every reference piece anew (no cache is read).
    #[arg(long)]
    no_cache: bool,
}

pub fn exec(a: VerifyArgs) -> CliResult {
    let shown = a.edl.display().to_string();
    let setup = super::setup(None, false);
    let loaded = super::load_checked(&a.edl, None, &shown, &setup, "verified")?;
    let salt = roughcut::media::library_versions();
    let plan = roughcut::plan::build(
        &loaded,
        roughcut::plan::PlanOptions {
            salt: salt.clone(),
            ..Default::default()
        },
    )
    .map_err(CliError::invalid)?;
    if !a.file.is_file() {
        return Err(CliError::invalid(format!(
            "{}: file not found",
            a.file.display()
        )));
    }
    let work =
        tempfile::tempdir().map_err(|e| CliError::failed(format!("a temporary folder: {e}")))?;
    super::before_encoding();
    let cache = if a.no_cache {
        None
    } else {
        super::facts_cache(a.cache_dir.as_deref())
    };
    let cancel = super::interruptible();
    let v = verify::verify(
        &verify::Verify {
            edl: &loaded,
            plan: &plan,
            salt: &salt,
            budget: super::budget(a.jobs),
            work: work.path(),
            cache: cache.as_ref(),
            cancel: &cancel,
        },
        &a.file,
    )
    .map_err(|e| CliError::invalid(format!("{}: {e}", a.file.display())))?;
    if a.json {
        super::print_json(&v)?;
    } else {
        // For people: stderr (stdout carries only machine output, the JSON).
        eprint!("{}", describe(&shown, &v));
    }
    let differs = v.checks.iter().any(|c| !c.ok) || v.events.iter().any(|e| !e.problems.is_empty());
    if differs {
        Err(CliError::reported(Exit::Differs))
    } else if !v.complete {
        // Nothing found wrong, but not everything could be checked: not a pass.
        Err(CliError::reported(Exit::Failed))
    } else {
        Ok(())
    }
}

fn describe(edl: &str, v: &Verification) -> String {
    let mut out = String::new();
    let bad: Vec<_> = v.checks.iter().filter(|c| !c.ok).collect();
    let events: Vec<_> = v.events.iter().filter(|e| !e.problems.is_empty()).collect();
    for c in &bad {
        out.push_str(&format!(
            "{}: {} is {}, the plan says {}\n",
            v.file, c.what, c.found, c.expected
        ));
    }
    for e in &events {
        for p in &e.problems {
            out.push_str(&format!(
                "{}: event {} \"{}\": {p}\n",
                v.file, e.event, e.name
            ));
        }
    }
    for e in &v.events {
        for u in &e.unchecked {
            out.push_str(&format!(
                "{}: event {} \"{}\": could not check: {u}\n",
                v.file, e.event, e.name
            ));
        }
    }
    for m in &v.cache_misses {
        out.push_str(&format!("{}: from the cache: {m}\n", v.file));
    }
    let compared: usize = v.events.iter().map(|e| e.frames.len()).sum();
    let lags: Vec<i64> = v.events.iter().filter_map(|e| e.sound_lag).collect();
    out.push_str(&format!(
        "{}: {} {edl} — {} checks, {compared} frames of {} events compared, sound offset {} samples\n",
        v.file,
        if v.matches {
            "matches"
        } else if v.complete {
            "differs from"
        } else {
            "could not be fully checked against"
        },
        v.checks.len(),
        v.events.len(),
        match (lags.iter().min(), lags.iter().max()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "not measured".into(),
        }
    ));
    out
}
