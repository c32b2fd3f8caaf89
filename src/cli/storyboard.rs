//! `roughcut storyboard`: a contact sheet and a review page of a cut (also `render
//! --storyboard` and `diff --storyboard`, through [`super::write_storyboard`]).

use std::path::PathBuf;

use clap::Args;
use roughcut::storyboard::Options;

use super::{CliError, CliResult};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut storyboard cut.json -o review/\n  roughcut storyboard cut.json -o review/ --video out/cut.mp4\n  roughcut render cut.json --storyboard review/      # with a player for the render\n  roughcut diff old.json new.json --storyboard review/  # the changed shots framed\n\nWrites DIR/contact-sheet.png (one thumbnail per event: event number, record timecode, length,\nname, source and source timecode, a COLOUR / B&W / TONED badge from the plan's colour\njudgement, the transition into it), DIR/index.html (one self-contained page: the thumbnails on\na timeline bar proportional to duration, markers and their notes, warnings, and with --video a\nplayer that the thumbnails, the bar and the chapters seek) and DIR/storyboard.json (the same as\ndata). Thumbnails are each event's middle frame, rendered by the same pipeline as the cut.\nExit codes: 0 written, 1 failed, 3 invalid EDL or media."
)]
pub struct StoryboardArgs {
    /// The EDL file (JSON).
    edl: PathBuf,
    /// The folder to write into (made if missing).
    #[arg(short = 'o', long, value_name = "DIR")]
    output: PathBuf,
    /// A render of the cut for the page's player (linked by a relative path, not copied).
    #[arg(long, value_name = "FILE")]
    video: Option<PathBuf>,
    /// Thumbnail width in pixels.
    #[arg(long, default_value_t = 240, value_parser = clap::value_parser!(u32).range(64..=960))]
    thumb_width: u32,
    /// Segment workers (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
}

pub fn exec(a: StoryboardArgs) -> CliResult {
    if let Some(v) = &a.video {
        if !v.is_file() {
            return Err(CliError::invalid(format!(
                "--video {}: file not found; render the cut first, or leave --video out",
                v.display()
            )));
        }
    }
    let setup = super::setup(None, false);
    let p = super::load_plan(&a.edl, None, false, &setup)?;
    let opts = Options {
        thumb_width: a.thumb_width,
        video: a.video,
        warnings: p.warnings,
        diff: None,
    };
    super::write_storyboard(
        &p.edl,
        &p.plan,
        &a.output,
        &opts,
        a.jobs,
        &super::interruptible(),
    )
}
