//! One segment rendered by a worker of the pool: into the cache's staging area (committed and
//! pinned) or the render's folder, with progress events and an error naming event, segment,
//! record time and stage.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cache::Cache;
use crate::cancel::Cancel;
use crate::media::segment::{render_segment, SegmentError, SegmentFiles, SegmentJob};
use crate::plan::{Picture, Plan};

use super::{Progress, ProgressEvent, RenderError};

/// What every segment worker shares.
pub(super) struct Worker<'a> {
    pub plan: &'a Plan,
    pub cache: Option<&'a Cache>,
    /// Where the entries it commits are pinned until assembly.
    pub pins: Option<&'a crate::cache::Pins>,
    /// The render's temporary folder (segments go there when there is no cache).
    pub work: &'a Path,
    pub threads: usize,
    pub progress: &'a dyn Progress,
    pub cancel: &'a Cancel,
}

impl Worker<'_> {
    /// Render segment `i` on worker `worker` (into the cache when there is one): its files and
    /// the seconds it took.
    pub(super) fn segment(
        &self,
        worker: usize,
        i: usize,
    ) -> Result<(SegmentFiles, f64), RenderError> {
        let (plan, cache, progress) = (self.plan, self.cache, self.progress);
        let seg = &plan.segments[i];
        let name = plan
            .events
            .iter()
            .find(|e| e.index == seg.event)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        progress.event(&ProgressEvent::SegmentStarted {
            segment: seg.id,
            worker,
            event: seg.event,
            name: name.clone(),
            frames: seg.frames,
        });
        let t0 = Instant::now();
        let report = |done: i64| {
            progress.event(&ProgressEvent::SegmentProgress {
                segment: seg.id,
                worker,
                done,
                frames: seg.frames,
            })
        };
        // Into the cache's staging area when there is a cache, else the work folder.
        let dir = match cache.map(Cache::staging) {
            None => self.work.to_path_buf(),
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                return Err(RenderError::Io {
                    path: cache.map_or(PathBuf::new(), |c| c.root().to_path_buf()),
                    source: e,
                })
            }
        };
        let job = SegmentJob {
            segment: seg,
            output: &plan.output,
            threads: self.threads,
            dir: &dir,
            cancel: self.cancel,
            progress: &report,
        };
        let files = match (render_segment(&job), cache) {
            (Ok(files), Some(c)) => c
                .commit(
                    &seg.key,
                    &dir,
                    &files.video,
                    &files.pcm,
                    &files.extradata,
                    files.frames,
                    seg.samples,
                )
                .map(|e| match self.pins {
                    Some(p) => p.pin(e),
                    None => e,
                })
                .map(|e| SegmentFiles {
                    video: e.video,
                    pcm: e.sound,
                    extradata: e.extradata,
                    frames: e.frames,
                })
                .map_err(|e| RenderError::Io {
                    path: c.root().to_path_buf(),
                    source: e,
                })?,
            (Ok(files), None) => files,
            (Err(e), _) => {
                if cache.is_some() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                return Err(match e {
                    SegmentError::Cancelled => RenderError::Cancelled {
                        output: plan.output.path.clone(),
                    },
                    e => RenderError::Segment {
                        event: seg.event,
                        name: describe_event(&name, &seg.picture),
                        record: crate::time::frames_to_timecode(
                            seg.record_start,
                            plan.output.fps,
                            false,
                        ),
                        segment: seg.id,
                        source: Box::new(e),
                    },
                });
            }
        };
        let seconds = t0.elapsed().as_secs_f64();
        progress.event(&ProgressEvent::SegmentFinished {
            segment: seg.id,
            worker,
            frames: seg.frames,
            seconds,
        });
        Ok((files, seconds))
    }
}

fn describe_event(name: &str, picture: &Picture) -> String {
    match picture {
        Picture::Source(p) => format!("\"{name}\", source `{}`", p.source),
        Picture::Still(s) => format!("\"{name}\", still `{}`", s.source),
        Picture::Insert(i) => format!(
            "\"{name}\" under the cutaway \"{}\", source `{}`",
            i.name, i.picture.source
        ),
        Picture::Dissolve(d) => describe_event(name, &d.to),
        Picture::Black | Picture::Title(_) => format!("\"{name}\""),
    }
}
