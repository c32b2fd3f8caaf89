//! `roughcut import`: an editing system's list as a roughcut EDL, its reels linked to media.

use std::path::PathBuf;

use clap::Args;
use roughcut::import::{ImportError, Imported, Request};
use roughcut::interchange::cmx3600::Problem;
use roughcut::time::Rate;

use super::{CliError, CliResult, Exit};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut import cut.edl -o cut.json --fps 25 --media media/\n  roughcut import reel1.txt -o reel1.json --fps 30000/1001 --media /mnt/rushes --allow-offline\n  roughcut import avid.edl -o cut.json --fps 25 --encoding windows-1251 --media media/\n  roughcut import cut.edl -o cut.json --fps 24 --media media/ && roughcut render cut.json\n\nReads CMX 3600 lists, OpenTimelineIO (.otio) and FCPXML (.fcpxml, .fcpxmld), each recognised by
its content, whatever the extension. Each event's media\nis looked up in the --media folders by its source file name, its clip name, then its reel; its\nstart timecode is read from the file. Exit code 0 when the EDL was written, 3 when the list has\nerrors or media are missing (without --allow-offline)."
)]
pub struct ImportArgs {
    /// The list to read: CMX 3600, OpenTimelineIO JSON or FCPXML (recognised by content).
    list: PathBuf,
    /// Where to write the EDL (JSON).
    #[arg(short, long)]
    output: PathBuf,
    /// The list's frame rate (lists do not say): 24, 25, 30000/1001 … Without it the rate is
    /// guessed from the timecodes (frame numbers up to 23: 24; up to 24: 25; drop-frame:
    /// 30000/1001), with a warning.
    #[arg(long)]
    fps: Option<String>,
    /// A folder to look for the media in, searched with its subfolders (repeatable).
    #[arg(long)]
    media: Vec<PathBuf>,
    /// A file saying which media file each reel is: JSON (`{"A001": "rushes/a001.mov"}`) or
    /// CSV (`reel,path` per line). Paths are relative to the map's folder. Looked at first.
    #[arg(long)]
    reel_map: Option<PathBuf>,
    /// Write events whose media are not found as gaps, with a warning, instead of failing.
    #[arg(long)]
    allow_offline: bool,
    /// The list's text encoding when it is not UTF-8 (`windows-1251`, `gbk`, `latin1` …; any
    /// WHATWG label). Without it such a list is guessed, with a warning.
    #[arg(long)]
    encoding: Option<String>,
}

pub fn exec(a: ImportArgs) -> CliResult {
    let shown = a.list.display().to_string();
    let fps = match &a.fps {
        Some(f) => Some(Rate::parse(f).map_err(|e| CliError::usage(format!("--fps {f}: {e}")))?),
        None => None,
    };
    let out_dir = super::folder_of(&a.output);
    let req = Request {
        list: &a.list,
        fps,
        encoding: a.encoding.as_deref(),
        media: &a.media,
        reel_map: a.reel_map.as_deref(),
        out_dir: &out_dir,
        facts: super::facts_cache(None),
    };
    let imported = roughcut::import::import(&req, &mut |p| print_problem(&shown, p, false))
        .map_err(|e| match e {
            ImportError::ListErrors { .. } => CliError::reported(Exit::InvalidInput),
            e if e.is_usage() => CliError::usage(e),
            e => CliError::invalid(e),
        })?;
    finish(&a, &shown, &imported)
}

/// Report the problems, refuse offline media unless allowed, write the EDL, summarise.
fn finish(a: &ImportArgs, shown: &str, imported: &Imported) -> CliResult {
    let offline = imported.offline();
    for p in &imported.problems {
        print_problem(shown, p, a.allow_offline);
    }
    if offline > 0 && !a.allow_offline {
        let mut searched: Vec<String> = a
            .reel_map
            .iter()
            .map(|m| format!("the reel map {}", m.display()))
            .collect();
        searched.push("the paths the list gives".into());
        searched.extend(
            a.media
                .iter()
                .map(|d| format!("{} (by source file name, clip name and reel)", d.display())),
        );
        return Err(CliError::invalid(format!(
                "{shown}: {offline} event(s) have no media; searched {}{}; give --media or --reel-map, or --allow-offline to write them as gaps",
                searched.join(", "),
                if a.media.is_empty() { " (no --media given)" } else { "" }
            ),
        ));
    }
    let edl = &imported.edl;
    let json = roughcut::interchange::build::to_json(edl)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", a.output.display())))?;
    super::write_json(&a.output, &json)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", a.output.display())))?;
    let sound_clips: usize = edl
        .audio_tracks
        .iter()
        .map(|t| t.clips.as_ref().map_or(0, Vec::len))
        .sum();
    let warnings = imported.earlier_warnings + imported.problems.len();
    eprintln!(
        "imported {shown}: {} picture events, {} sound track(s) of {sound_clips} clip(s), {} sources, {} marker(s){} → {}; {warnings} warning(s)",
        edl.timeline.len(),
        edl.audio_tracks.len(),
        edl.sources.len(),
        edl.markers.len(),
        edl.output.as_ref().and_then(|o| o.start_timecode.as_ref()).map(|t| format!(", starting at {t}")).unwrap_or_default(),
        a.output.display()
    );
    Ok(())
}

fn print_problem(shown: &str, p: &Problem, errors_as_warnings: bool) {
    let severity = if p.error && !errors_as_warnings {
        "error"
    } else {
        "warning"
    };
    match p.line {
        0 => eprintln!("{shown}: {severity}: {}", p.message),
        line => eprintln!("{shown}:{line}: {severity}: {}", p.message),
    }
}
