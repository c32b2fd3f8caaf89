//! Sound into a segment's PCM: a source's audio stream decoded and conformed (rate, layout,
//! gain) into exactly the segment's samples, with the plan's envelopes, the program's fades,
//! and the sound beds mixed under it.

use super::job::{out_err, SegmentError};
use crate::cancel::Cancel;
use crate::media::graph::{Graph, Medium};
use crate::media::reader::Reader;
use crate::media::received;
use crate::plan::{BedPiece, Envelope, OutputSpec, Segment};
use crate::time::{format_seconds, Rational};
use ffmpeg_next as ff;

/// How far before the in-point to seek, so that the decoder has a keyframe and the whole GOP
/// (open-GOP sources lose their first frame when a seek lands exactly on the in-point).
pub(super) const SEEK_LEAD: Rational = Rational::new_raw(1, 1);

/// Scale sound by the segment's fades, sample by sample.
pub(super) fn apply_sound_fades(pcm: &mut [f32], channels: usize, seg: &Segment, out: &OutputSpec) {
    if seg.fades.is_empty() {
        return;
    }
    for (i, frame) in pcm.chunks_mut(channels.max(1)).enumerate() {
        let s = seg.sample_start + i as i64;
        let gain = seg.fades.iter().fold(Rational::from_integer(1), |g, f| {
            g * f.gain(s, out.audio.sample_rate, out.fps)
        });
        if gain != Rational::from_integer(1) {
            let g = *gain.numer() as f32 / *gain.denom() as f32;
            for x in frame.iter_mut() {
                *x *= g;
            }
        }
    }
}

pub(super) struct AudioState<'a> {
    decoder: ff::codec::decoder::Audio,
    graph: Graph,
    stream: usize,
    /// Absolute position (in output samples since the file's origin) of the segment's first sample.
    first_sample: Rational,
    /// Playback speed (the conform chain stretches by it) and the segment's first sample's
    /// source time on the file's clock: with a stretch, where the first sample lands depends
    /// on where the stretcher started.
    speed: Rational,
    start_abs: Rational,
    sink_tb: Rational,
    pcm: &'a mut [f32],
    channels: usize,
    /// Highest sample index filled so far (exclusive).
    filled: i64,
    /// Where the next frame goes when it follows on from the last one (containers such as
    /// Matroska round timestamps to milliseconds: placing every frame by its own timestamp
    /// would tear the sound by a few samples at each frame).
    next: Option<i64>,
    /// The audio stream's time base and start (seconds).
    stream_tb: Rational,
    stream_start: Rational,
    /// Output samples to move the first placed frame by: its timestamp's rounding undone
    /// (see [`grid_correction`]); set by the first decoded frame.
    correction: Option<i64>,
    total: i64,
    sample_rate: i64,
}

impl AudioState<'_> {
    /// Whether a packet of `stream` is wanted.
    pub(super) fn takes(&self, stream: usize) -> bool {
        self.stream == stream && !self.done()
    }

    /// Decode a packet of the stream into the PCM; `fail` names a failure's stage.
    pub(super) fn feed(
        &mut self,
        packet: &ff::Packet,
        frame: &mut ff::frame::Audio,
        fail: &dyn Fn(&'static str, ff::Error) -> SegmentError,
    ) -> Result<(), SegmentError> {
        self.decoder
            .send_packet(packet)
            .map_err(|e| fail("decode audio", e))?;
        while received(self.decoder.receive_frame(frame)).map_err(|e| fail("decode audio", e))? {
            push_audio(self, frame).map_err(|e| fail("conform sound", e))?;
        }
        self.pull()
    }

    pub(super) fn done(&self) -> bool {
        self.filled >= self.total
    }
    /// The source ended: flush what the decoder and the conform graph hold. Whatever the
    /// source did not cover stays silent (never stretched, never shifted).
    pub(super) fn finish(&mut self) -> Result<(), ff::Error> {
        if self.done() {
            return Ok(());
        }
        let mut aframe = ff::frame::Audio::empty();
        let _ = self.decoder.send_eof();
        while received(self.decoder.receive_frame(&mut aframe))? {
            push_audio(self, &mut aframe)?;
        }
        let _ = self.graph.flush();
        self.pull().map_err(|_| ff::Error::Bug)
    }
    fn pull(&mut self) -> Result<(), SegmentError> {
        let mut frame = ff::frame::Audio::empty();
        while self
            .graph
            .pull(&mut frame)
            .map_err(out_err("conform sound"))?
        {
            let Some(pts) = frame.pts() else { continue };
            let n = frame.samples() as i64;
            // Position of this frame's first sample within the segment: straight after the
            // previous frame unless the timestamps say there is a real gap or overlap.
            let abs = Rational::from_integer(pts) * self.sink_tb * self.sample_rate;
            let stamped = crate::time::round_half_up(abs - self.first_sample);
            let offset = match self.next {
                Some(next) if (stamped - next).abs() <= self.sample_rate / 500 => next,
                _ => stamped + self.correction.unwrap_or(0),
            };
            self.next = Some(offset + n);
            let data = frame.data(0);
            let ch = self.channels;
            for i in 0..n {
                let at = offset + i;
                if at < 0 {
                    continue;
                }
                if at >= self.total {
                    break;
                }
                for c in 0..ch {
                    let b = ((i as usize) * ch + c) * 4;
                    if let Some(bytes) = data.get(b..b + 4) {
                        let v = f32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                        self.pcm[at as usize * ch + c] = v;
                    }
                }
                self.filled = self.filled.max(at + 1);
            }
        }
        Ok(())
    }
}

/// Open a source's audio stream for decoding into `pcm` (interleaved output samples), whose
/// first sample is at source time `start` (relative to `origin`, the file's time zero).
#[allow(clippy::too_many_arguments)]
pub(super) fn open_audio<'p>(
    out: &OutputSpec,
    reader: &Reader,
    shown: &str,
    astream: usize,
    origin: Rational,
    start: Rational,
    speed: Rational,
    afilter: &str,
    pcm: &'p mut [f32],
) -> Result<AudioState<'p>, SegmentError> {
    let src_err = |stage: &'static str| {
        move |e: ff::Error| SegmentError::Source {
            path: shown.to_string(),
            stage,
            time: format_seconds(start),
            message: e.to_string(),
        }
    };
    let astream_info = reader.stream(astream).ok_or_else(|| SegmentError::Source {
        path: shown.to_string(),
        stage: "open audio stream",
        time: format_seconds(start),
        message: format!("stream #{astream} is missing"),
    })?;
    let atb = astream_info.time_base;
    let adec = reader
        .decoder(astream, 1)
        .and_then(|d| d.audio())
        .map_err(src_err("open audio decoder"))?;
    let layout = crate::media::layout::of_decoder(&adec);
    let args = crate::media::abuffer_args(
        (atb.numerator(), atb.denominator()),
        adec.rate(),
        adec.format().name(),
        &layout,
    );
    let g = Graph::chain(Medium::Audio, &args, afilter, 1).map_err(src_err("conform sound"))?;
    let sink_tb = Some(g.sink_time_base())
        .filter(|r| *r.numer() > 0)
        .unwrap_or(Rational::new(1, out.audio.sample_rate as i64));
    let sr = out.audio.sample_rate as i64;
    let channels = (out.audio.channels as usize).max(1);
    Ok(AudioState {
        decoder: adec,
        graph: g,
        stream: astream,
        first_sample: (origin + start) * sr,
        speed,
        start_abs: origin + start,
        sink_tb,
        channels,
        filled: 0,
        next: None,
        stream_tb: Rational::new(atb.numerator() as i64, atb.denominator().max(1) as i64),
        stream_start: astream_info.origin,
        correction: None,
        total: (pcm.len() / channels) as i64,
        sample_rate: sr,
        pcm,
    })
}

/// Where a sound comes from, to be decoded on its own (no picture is decoded).
pub(super) struct SoundOnly<'a> {
    pub path: &'a std::path::Path,
    /// The audio stream, and the stream whose start is source time 0.
    pub stream: usize,
    pub origin_stream: usize,
    /// Source time of the first sample.
    pub start: Rational,
    /// Conform chain (rate, layout, gain; a stretch first, when `speed` is not 1).
    pub filter: &'a str,
    pub speed: Rational,
}

impl<'a> SoundOnly<'a> {
    fn of_bed(bed: &'a BedPiece) -> Self {
        SoundOnly {
            path: &bed.path,
            stream: bed.stream,
            origin_stream: bed.origin_stream,
            start: bed.start,
            filter: &bed.filter,
            speed: Rational::from_integer(1),
        }
    }
}

/// Decode as many samples as `pcm` holds of a sound from `s.start` on, conformed, into `pcm`
/// (sound only: no picture is decoded).
pub(super) fn decode_sound_only(
    out: &OutputSpec,
    cancel: &Cancel,
    s: &SoundOnly,
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
    let shown = s.path.display().to_string();
    let mut reader = Reader::open(s.path)?;
    let origin = reader
        .stream(s.origin_stream)
        .ok_or_else(|| SegmentError::Source {
            path: shown.clone(),
            stage: "open stream",
            time: format_seconds(s.start),
            message: format!("stream #{} is missing", s.origin_stream),
        })?
        .origin;
    let mut audio = open_audio(
        out, &reader, &shown, s.stream, origin, s.start, s.speed, s.filter, pcm,
    )?;
    if s.start > SEEK_LEAD {
        reader
            .seek(origin + s.start - SEEK_LEAD)
            .map_err(|e| SegmentError::Source {
                path: shown.clone(),
                stage: "seek",
                time: format_seconds(s.start),
                message: e.to_string(),
            })?;
    }
    let err = |stage: &'static str| {
        let shown = shown.clone();
        move |e: ff::Error| SegmentError::Source {
            path: shown.clone(),
            stage,
            time: format_seconds(s.start),
            message: e.to_string(),
        }
    };
    let mut aframe = ff::frame::Audio::empty();
    while !audio.done() {
        if cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        let Some(packet) = reader.read_packet().map_err(err("read"))? else {
            break;
        };
        if !audio.takes(packet.stream()) {
            continue;
        }
        audio.feed(packet, &mut aframe, &|stage, e| err(stage)(e))?;
    }
    audio.finish().map_err(err("conform sound"))
}

/// Multiply interleaved `pcm` by `envelope`, sample by sample.
pub(super) fn apply_envelope(pcm: &mut [f32], channels: usize, envelope: &Envelope) {
    if envelope.is_empty() {
        return;
    }
    for (i, frame) in pcm.chunks_mut(channels.max(1)).enumerate() {
        let g = envelope.gain(i as i64) as f32;
        for x in frame.iter_mut() {
            *x *= g;
        }
    }
}

/// A segment's sound file: interleaved little-endian `f32` samples.
pub(crate) fn read_pcm(path: &std::path::Path) -> std::io::Result<Vec<f32>> {
    Ok(std::fs::read(path)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Lay a segment's bed pieces under its sound (`pcm`, interleaved, the segment's samples).
/// Assembly does this, not the segment's render: a bed is program-wide, so a segment's cached
/// bytes never depend on where the program's bed happens to fall under it.
pub(crate) fn mix_beds(
    out: &OutputSpec,
    cancel: &Cancel,
    beds: &[BedPiece],
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
    let channels = (out.audio.channels as usize).max(1);
    for bed in beds {
        let mut buf = vec![0f32; bed.samples.max(0) as usize * channels];
        decode_sound_only(out, cancel, &SoundOnly::of_bed(bed), &mut buf)?;
        let start = (bed.offset.max(0) as usize * channels).min(pcm.len());
        for (i, (o, b)) in pcm[start..]
            .chunks_mut(channels)
            .zip(buf.chunks(channels))
            .enumerate()
        {
            let g = bed.envelope.gain(bed.offset + i as i64) as f32;
            for (x, y) in o.iter_mut().zip(b) {
                *x += y * g;
            }
        }
    }
    Ok(())
}

fn push_audio(a: &mut AudioState, frame: &mut ff::frame::Audio) -> Result<(), ff::Error> {
    let ts = frame.timestamp();
    if a.correction.is_none() {
        let c = ts.map_or(Rational::from_integer(0), |t| {
            grid_correction(
                Rational::from_integer(t) * a.stream_tb - a.stream_start,
                a.stream_tb,
                frame.samples() as i64,
                frame.rate() as i64,
            )
        });
        let one = Rational::from_integer(1);
        let speed = if *a.speed.numer() > 0 { a.speed } else { one };
        a.correction = Some(crate::time::round_half_up(
            c * Rational::new(a.sample_rate, frame.rate().max(1) as i64) / speed,
        ));
        // A stretch starts where this first frame does: its output sample n is the source's
        // sample at n × speed from here, so the segment's first sample lands (start − here)
        // ÷ speed after it.
        if speed != one {
            if let Some(t) = ts {
                let here = Rational::from_integer(t) * a.stream_tb;
                let sr = Rational::from_integer(a.sample_rate);
                a.first_sample = here * sr + (a.start_abs - here) * sr / speed;
            }
        }
    }
    frame.set_pts(ts);
    a.graph.push(frame)
}

/// How far (in input samples) a frame stamped `at` seconds into its stream really starts, when
/// the container's clock is coarser than a sample (Matroska's milliseconds put a frame up to
/// half a millisecond off — a click where a segment starting inside a clip meets the one
/// before). Streams of equal frames of `n` samples from their start (PCM, AAC) have every frame
/// on a grid of `n`: the nearest grid point is the true start when it lies within the
/// timestamp's rounding; otherwise (frames of varying size) nothing is moved.
pub(super) fn grid_correction(at: Rational, tb: Rational, n: i64, rate: i64) -> Rational {
    let unit = tb * rate; // samples per clock tick
    if unit <= Rational::from_integer(1) || n <= 0 || rate <= 0 {
        return Rational::from_integer(0);
    }
    let p = at * rate;
    let snapped = Rational::from_integer(crate::time::round_half_up(p / n) * n);
    let err = snapped - p;
    let magnitude = if err < Rational::from_integer(0) {
        -err
    } else {
        err
    };
    if magnitude * 2 <= unit {
        err
    } else {
        Rational::from_integer(0)
    }
}
