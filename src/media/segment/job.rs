//! What every kind of segment work shares: the job, the files it leaves, its errors, and the
//! [`FrameSink`] that pictures go to. The parts of `segment` import from here, never from the
//! dispatcher in `mod.rs`.

use std::path::{Path, PathBuf};

use crate::cancel::Cancel;
use crate::media::MediaError;
use crate::plan::{OutputSpec, Segment};
use ffmpeg_next as ff;

/// What a segment worker needs besides the segment.
pub(crate) struct SegmentJob<'a> {
    pub segment: &'a Segment,
    pub output: &'a OutputSpec,
    /// Threads for this segment's decoder, filter graph and encoder.
    pub threads: usize,
    /// Folder for the segment's files.
    pub dir: &'a Path,
    pub cancel: &'a Cancel,
    /// Called with the number of frames encoded so far.
    pub progress: &'a (dyn Fn(i64) + Sync),
}

/// The files a finished segment left.
#[derive(Debug, Clone)]
pub(crate) struct SegmentFiles {
    pub video: PathBuf,
    pub pcm: PathBuf,
    /// The encoder's parameter sets (must equal every other segment's).
    pub extradata: Vec<u8>,
    pub frames: i64,
}

/// Why a segment failed.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("interrupted")]
    Cancelled,
    /// Failed while working on a source file.
    #[error("{path}: {stage} at source time {time}: {message}")]
    Source {
        path: String,
        stage: &'static str,
        time: String,
        message: String,
    },
    /// Failed in the output side (filter, encoder, temporary files): FFmpeg's or the file
    /// system's error kept as the source, or what went wrong said in words.
    #[error("{stage}: {source}")]
    Output {
        stage: &'static str,
        #[source]
        source: crate::media::Cause,
    },
    #[error(transparent)]
    Open(#[from] MediaError),
}

pub(crate) fn out_err(stage: &'static str) -> impl Fn(ff::Error) -> SegmentError {
    move |e| SegmentError::Output {
        stage,
        source: e.into(),
    }
}

pub(crate) fn io_err(stage: &'static str) -> impl Fn(std::io::Error) -> SegmentError {
    move |e| SegmentError::Output {
        stage,
        source: e.into(),
    }
}

/// Where conformed pictures go: the encoder, or (for a dissolve) a buffer or a blender.
pub(crate) trait FrameSink {
    /// Whether the segment has all its frames.
    fn done(&self) -> bool;
    /// Take the next frame.
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError>;
}
