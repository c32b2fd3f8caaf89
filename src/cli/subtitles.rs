//! `roughcut subtitles`: every subtitle track's cues as they fall in the program.

use std::path::PathBuf;

use clap::Args;

use super::{print_json, CliResult};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut subtitles cut.json\n  roughcut subtitles cut.json --json | jq '.[0].cues | length'\n  roughcut subtitles cut.json --verbose     # also the cues that were dropped, and why\n\nExit codes: 0 printed, 3 invalid EDL or media."
)]
pub struct SubtitlesArgs {
    /// The EDL file (JSON).
    edl: PathBuf,
    /// Print the tracks as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Also list the cues that were dropped and why.
    #[arg(long, short = 'v')]
    verbose: bool,
}

pub fn exec(a: SubtitlesArgs) -> CliResult {
    let plan = super::load_plan(&a.edl, None, false, &super::setup(None, false))?.plan;
    if a.verbose {
        super::print_dropped(&plan);
    }
    if a.json {
        return print_json(&plan.subtitles);
    }
    if plan.subtitles.is_empty() {
        eprintln!("{}: no subtitles", a.edl.display());
    }
    for t in &plan.subtitles {
        eprintln!(
            "subtitles/{} {} ({}{}): {} cue(s)",
            t.index,
            t.path.display(),
            t.language.as_deref().unwrap_or("no language"),
            if t.burn_in { ", burned in" } else { "" },
            t.cues.len()
        );
        for c in &t.cues {
            let (a, b) = c.millis();
            println!(
                "{}\t{}\t{}\t{}",
                t.language.as_deref().unwrap_or("-"),
                roughcut::subs::ms_text(a),
                roughcut::subs::ms_text(b),
                c.text.replace('\n', " / ")
            );
        }
    }
    Ok(())
}
