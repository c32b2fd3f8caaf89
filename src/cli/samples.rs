//! `roughcut samples`: the generated sample media for the example EDLs.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, CliResult};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut samples edl/media\n\nWrites a PAL DV-style interlaced colour clip with flash and beep sync marks, a gray 18 fps\narchival clip, a black-and-white telecine with a colour cast, an HD 5.1 clip and Russian and\nEnglish subtitles (a few MB in all)."
)]
pub struct SamplesArgs {
    /// Folder to write into (created if missing).
    dir: PathBuf,
}

pub fn exec(a: SamplesArgs) -> CliResult {
    super::before_encoding();
    eprintln!("writing sample media into {} …", a.dir.display());
    let paths = roughcut::samples::write_samples(&a.dir, super::cores())
        .map_err(|e| CliError::failed(format!("samples: {e}")))?;
    for p in paths {
        eprintln!("  {}", p.display());
    }
    Ok(())
}
