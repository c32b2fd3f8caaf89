//! The finished output: segments joined under a temporary name, the written sound measured
//! against the loudness target, renamed onto the output path only when nothing changed; and the
//! subtitle tracks written beside it as SubRip.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cache::Cache;
use crate::cancel::Cancel;
use crate::media::assemble::{assemble, AssembleError, AssemblyStages, LoudnessApplied, Piece};
use crate::media::loudness::{measure_file, LoudnessStats};
use crate::media::segment::SegmentFiles;
use crate::plan::Plan;

use super::workdir::{changed, Stamps};
use super::{io, Progress, ProgressEvent, RenderError};

/// Join the segments into the output under a temporary name in `work`, measure the written
/// sound when there is a loudness target, and rename it onto the output path — unless a file in
/// `sources` changed since the render began.
#[allow(clippy::too_many_arguments)]
pub(super) fn assemble_output(
    plan: &Plan,
    files: &[SegmentFiles],
    work: &Path,
    workers: usize,
    chunk_cache: Option<&Cache>,
    progress: &dyn Progress,
    cancel: &Cancel,
    sources: &Stamps,
) -> Result<(Option<(LoudnessApplied, LoudnessStats)>, AssemblyStages), RenderError> {
    let output = plan.output.path.clone();
    let pieces: Vec<Piece> = plan
        .segments
        .iter()
        .zip(files)
        .map(|(s, f)| Piece {
            record_start: s.record_start,
            files: f,
            beds: &s.beds,
        })
        .collect();
    progress.event(&ProgressEvent::Assembling {
        frames: plan.frames,
    });
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mp4".into());
    let partial = work.join(format!("output.{ext}"));
    let assembled = assemble(
        &plan.output,
        &pieces,
        &plan.subtitles,
        &partial,
        workers,
        chunk_cache,
        cancel,
    )
    .map_err(|e| match e {
        AssembleError::Cancelled => RenderError::Cancelled {
            output: output.clone(),
        },
        source => RenderError::Assemble {
            output: output.clone(),
            source,
        },
    })?;
    if cancel.is_cancelled() {
        return Err(RenderError::Cancelled { output });
    }
    // Check the written file against the loudness target (before it replaces anything).
    let mut stages = assembled.stages;
    let clock = Instant::now();
    let loudness = match assembled.loudness {
        Some(applied) => {
            let written =
                measure_file(&partial, 0).map_err(|source| RenderError::MeasureLoudness {
                    output: output.clone(),
                    source,
                })?;
            Some((applied, written))
        }
        None => None,
    };
    stages.verify_loudness = clock.elapsed().as_secs_f64();
    // Never a mixed output: every source is still the file the render began with.
    if let Some(path) = changed(sources) {
        return Err(RenderError::SourceChanged { path, output });
    }
    std::fs::rename(&partial, &output).map_err(io(&output))?;
    Ok((loudness, stages))
}

/// Write each subtitle track, retimed, as UTF-8 SubRip into `dir` (created if missing):
/// `<output stem>.<language>.srt` (the entry's number instead when it has no language or shares
/// it). Each file is written under a temporary name and renamed. Returns the paths written.
pub fn write_subtitles(
    dir: &Path,
    output: &Path,
    tracks: &[crate::plan::subtitles::Track],
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "subtitles".into());
    let mut written = Vec::new();
    for t in tracks {
        let shared = tracks.iter().filter(|o| o.language == t.language).count() > 1;
        let tag = match &t.language {
            Some(l) if !shared => l.clone(),
            Some(l) => format!("{l}{}", t.index),
            None => format!("{}", t.index),
        };
        let path = dir.join(format!("{stem}.{tag}.srt"));
        let millis: Vec<(i64, i64, &str)> = t
            .cues
            .iter()
            .map(|c| {
                let (a, b) = c.millis();
                (a, b, c.text.as_str())
            })
            .collect();
        let tmp = dir.join(format!(".{stem}.{tag}.srt.partial"));
        std::fs::write(&tmp, crate::subs::srt_document(&millis))?;
        std::fs::rename(&tmp, &path)?;
        written.push(path);
    }
    Ok(written)
}
