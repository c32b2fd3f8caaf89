//! Render one planned segment: decode the needed range of a source (or generate black, or
//! draw a title card), sample frames by the plan's exact source times, conform them through a
//! filter graph, encode the picture, and conform the sound into exactly the segment's number of
//! PCM samples.
//!
//! Output: a packet file (see [`super::packets`]) holding the encoded video, and a raw PCM file
//! (interleaved little-endian `f32`) holding exactly `segment.samples` samples per channel. The
//! program's sound beds are not in it: assembly lays them under ([`mix_beds`]), so a segment's
//! bytes depend only on what is inside it.
//!
//! This file dispatches on the segment's kind; each kind has its own part, and none calls back
//! into another: [`source`] (pictures and sound decoded from a source), [`generated`] (black),
//! [`title`] (title cards, opaque or drawn over the picture underneath), [`dissolve`] (the
//! blend of two sides), [`sound`] (a source's or a bed's sound into PCM, envelopes, fades) and
//! [`sink`] (where pictures go: the encoder, with fades, overlays and burned-in subtitles).

mod dissolve;
mod generated;
mod job;
mod sink;
mod sound;
mod source;
mod still;
mod title;

use std::io::Write;

use super::encode::{extradata, video_encoder};
use super::packets::PacketWriter;
use crate::plan::{Picture, Sound};

use job::{io_err, out_err, FrameSink};
pub(crate) use job::{SegmentError, SegmentFiles, SegmentJob};
use sink::EncodeSink;
pub(crate) use sound::{mix_beds, read_pcm};

/// Render `job.segment` into files in `job.dir`.
pub(crate) fn render_segment(job: &SegmentJob) -> Result<SegmentFiles, SegmentError> {
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
            crossfade(job, pcm, &pcm_from, &pcm_to);
            Ok(())
        }
        other => produce_side(job, other, sound, sink, pcm),
    }
}

/// A segment's sound into `pcm` when its picture comes from elsewhere (a cutaway's).
fn sound_only(job: &SegmentJob, sound: &Sound, pcm: &mut [f32]) -> Result<(), SegmentError> {
    match sound {
        Sound::Silence => Ok(()),
        Sound::Source {
            path,
            stream,
            video_stream,
            start,
            speed,
            filter,
            envelope,
        } => {
            let s = sound::SoundOnly {
                path,
                stream: *stream,
                origin_stream: *video_stream,
                start: *start,
                filter,
                speed: *speed,
            };
            sound::decode_sound_only(job.output, job.cancel, &s, pcm)?;
            sound::apply_envelope(pcm, job.output.audio.channels as usize, envelope);
            Ok(())
        }
        // A cutaway over a whole dissolve: both sides' sound, crossfaded as the dissolve does.
        Sound::Crossfade { from, to } => {
            let mut pcm_from = vec![0f32; pcm.len()];
            sound_only(job, from, &mut pcm_from)?;
            let mut pcm_to = vec![0f32; pcm.len()];
            sound_only(job, to, &mut pcm_to)?;
            crossfade(job, pcm, &pcm_from, &pcm_to);
            Ok(())
        }
    }
}

/// Mix the two sides of a dissolve's sound into `pcm`: linearly, sample by sample, the
/// incoming side weighing (i + ½) / n on sample i of n.
fn crossfade(job: &SegmentJob, pcm: &mut [f32], from: &[f32], to: &[f32]) {
    let channels = job.output.audio.channels.max(1) as usize;
    let n = (pcm.len() / channels).max(1) as f32;
    for (i, ((o, a), b)) in pcm
        .chunks_mut(channels)
        .zip(from.chunks(channels))
        .zip(to.chunks(channels))
        .enumerate()
    {
        let w = (i as f32 + 0.5) / n;
        for c in 0..channels.min(o.len()) {
            o[c] = a[c] * (1.0 - w) + b[c] * w;
        }
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
                    speed,
                    filter,
                    envelope,
                    ..
                } => (
                    Some((*stream, *start, *speed, filter.as_str())),
                    Some(envelope),
                ),
                Sound::Silence | Sound::Crossfade { .. } => (None, None),
            };
            source::decode_source(job, p, sound, sink, pcm)?;
            if let Some(e) = envelope {
                sound::apply_envelope(pcm, job.output.audio.channels as usize, e);
            }
            Ok(())
        }
        // A still's move: framed anew on every frame; its sound (a still has none) is silence.
        Picture::Still(s) => {
            still::moving_still(job, s, sink)?;
            sound_only(job, sound, pcm)
        }
        // A cutaway: its picture, and the sound underneath decoded on its own.
        Picture::Insert(i) => {
            source::decode_source(job, &i.picture, None, sink, pcm)?;
            sound_only(job, sound, pcm)
        }
        Picture::Dissolve(_) => Err(SegmentError::Output {
            stage: "dissolve",
            source: "a dissolve cannot contain another dissolve".into(),
        }),
    }
}
