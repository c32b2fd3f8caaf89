//! Render one planned segment: decode the needed range of a source (or generate black, or
//! draw a title card), sample frames by the plan's exact source times, conform them through a
//! filter graph, encode the picture, and conform the sound into exactly the segment's number of
//! PCM samples.
//!
//! Output: a packet file (see [`super::packets`]) holding the encoded video, and a raw PCM file
//! (interleaved little-endian `f32`) holding exactly `segment.samples` samples per channel.
//!
//! This file dispatches on the segment's kind; each kind has its own part, and none calls back
//! into another: [`source`] (pictures and sound decoded from a source), [`generated`] (black),
//! [`title`] (title cards, opaque or drawn over the picture underneath), [`dissolve`] (the
//! blend of two sides), [`sound`] (a source's or a bed's sound into PCM, envelopes, fades) and
//! [`sink`] (where pictures go: the encoder, with fades, overlays and burned-in subtitles).

mod dissolve;
mod generated;
mod sink;
mod sound;
mod source;
mod title;

use std::io::Write;
use std::path::{Path, PathBuf};

use super::encode::{extradata, video_encoder};
use super::packets::PacketWriter;
use super::{ff, MediaError};
use crate::cancel::Cancel;
use crate::plan::{OutputSpec, Picture, Segment, Sound};

use sink::EncodeSink;
pub(crate) use sink::FrameSink;
pub use title::title_graph;

/// What a segment worker needs besides the segment.
pub struct SegmentJob<'a> {
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
pub struct SegmentFiles {
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
    /// Failed in the output side (filter, encoder, temporary files).
    #[error("{stage}: {message}")]
    Output {
        stage: &'static str,
        message: String,
    },
    #[error(transparent)]
    Open(#[from] MediaError),
}

pub(crate) fn out_err(stage: &'static str) -> impl Fn(ff::Error) -> SegmentError {
    move |e| SegmentError::Output {
        stage,
        message: e.to_string(),
    }
}

pub(crate) fn io_err(stage: &'static str) -> impl Fn(std::io::Error) -> SegmentError {
    move |e| SegmentError::Output {
        stage,
        message: e.to_string(),
    }
}

/// Render `job.segment` into files in `job.dir`.
pub fn render_segment(job: &SegmentJob) -> Result<SegmentFiles, SegmentError> {
    let seg = job.segment;
    let out = job.output;
    let video_path = job.dir.join(format!("seg-{:05}.vpk", seg.id));
    let pcm_path = job.dir.join(format!("seg-{:05}.pcm", seg.id));

    let mut encoder = video_encoder(out).map_err(out_err("open the video encoder"))?;
    let extradata = extradata(&encoder);
    let mut writer = PacketWriter::create(&video_path).map_err(io_err("write segment packets"))?;
    let channels = out.audio.channels as usize;
    let mut pcm = vec![0f32; seg.samples.max(0) as usize * channels];

    let mut sink = EncodeSink::new(&mut encoder, &mut writer, job);
    produce(job, &seg.picture, &seg.sound, &mut sink, &mut pcm)?;
    sink.finish()?;
    writer.finish().map_err(io_err("write segment packets"))?;
    sound::apply_sound_fades(&mut pcm, channels, seg, out);
    sound::mix_beds(job, &mut pcm)?;

    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&pcm_path).map_err(io_err("write segment sound"))?,
    );
    for s in &pcm {
        file.write_all(&s.to_le_bytes())
            .map_err(io_err("write segment sound"))?;
    }
    file.flush().map_err(io_err("write segment sound"))?;
    Ok(SegmentFiles {
        video: video_path,
        pcm: pcm_path,
        extradata,
        frames: seg.frames,
    })
}

/// Produce a picture into `sink` and its sound into `pcm`.
fn produce(
    job: &SegmentJob,
    picture: &Picture,
    sound: &Sound,
    sink: &mut EncodeSink,
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
    match picture {
        Picture::Dissolve(d) => {
            let (from_sound, to_sound) = match sound {
                Sound::Crossfade { from, to } => (from.as_ref(), to.as_ref()),
                other => (other, other),
            };
            let mut kept = dissolve::CollectSink::new(job.segment.frames);
            let mut pcm_from = vec![0f32; pcm.len()];
            produce_side(job, &d.from, from_sound, &mut kept, &mut pcm_from)?;
            let mut blend = dissolve::BlendSink::new(kept, sink, job.segment.frames);
            let mut pcm_to = vec![0f32; pcm.len()];
            produce_side(job, &d.to, to_sound, &mut blend, &mut pcm_to)?;
            let channels = job.output.audio.channels.max(1) as usize;
            let n = (pcm.len() / channels).max(1) as f32;
            for (i, ((o, a), b)) in pcm
                .chunks_mut(channels)
                .zip(pcm_from.chunks(channels))
                .zip(pcm_to.chunks(channels))
                .enumerate()
            {
                let w = (i as f32 + 0.5) / n;
                for c in 0..channels.min(o.len()) {
                    o[c] = a[c] * (1.0 - w) + b[c] * w;
                }
            }
            Ok(())
        }
        other => produce_side(job, other, sound, sink, pcm),
    }
}

/// One picture (not a dissolve) into any sink, with its sound.
pub(crate) fn produce_side(
    job: &SegmentJob,
    picture: &Picture,
    sound: &Sound,
    sink: &mut dyn FrameSink,
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
    match picture {
        Picture::Black => generated::black(job, sink),
        Picture::Title(t) => match &t.underneath {
            None => title::card(job, t, sink),
            // A transparent card: the picture underneath (the previous shot carrying on), with
            // its sound, and the lines drawn over each frame.
            Some(base) => {
                let mut over = title::TitleOver::new(sink, t, job.output);
                produce_side(job, base, sound, &mut over, pcm)
            }
        },
        Picture::Source(p) => {
            let (sound, envelope) = match sound {
                Sound::Source {
                    stream,
                    start,
                    filter,
                    envelope,
                    ..
                } => (Some((*stream, *start, filter.as_str())), Some(envelope)),
                Sound::Silence | Sound::Crossfade { .. } => (None, None),
            };
            source::decode_source(
                job, &p.path, p.stream, p.first, p.step, &p.filter, sound, sink, pcm,
            )?;
            if let Some(e) = envelope {
                sound::apply_envelope(pcm, job.output.audio.channels as usize, e);
            }
            Ok(())
        }
        Picture::Dissolve(_) => Err(SegmentError::Output {
            stage: "dissolve",
            message: "a dissolve cannot contain another dissolve".into(),
        }),
    }
}
