//! Pictures (and their sound) decoded from a source: seek before the in-point, decode, pick
//! for each output frame the latest source frame at or before its exact source time, conform it
//! through the plan's filter chain, and hand it to the sink.

use crate::plan::{DecodeHints, SourcePicture};

use super::generated::pull_video;
use super::job::{out_err, FrameSink, SegmentError, SegmentJob};
use super::sound::{open_audio, AudioState, SEEK_LEAD};
use crate::media::graph::{Graph, Medium};
use crate::media::reader::Reader;
use crate::media::received;
use crate::time::{format_seconds, Rational};
use ffmpeg_next as ff;

/// How far past a source's last decoded frame a clip may reach (container durations round, and
/// the last frame lasts a frame): beyond this the source is treated as truncated.
const END_SLACK: Rational = Rational::new_raw(1, 4);

/// Picks, for each output frame, the latest source frame at or before its source time.
struct Sampler {
    first: Rational,
    step: Rational,
    count: i64,
    next: i64,
    prev: Option<ff::frame::Video>,
}

impl Sampler {
    fn target(&self) -> Rational {
        self.first + self.step * self.next
    }
    fn done(&self) -> bool {
        self.next >= self.count
    }
    /// A decoded frame at source time `t`: emit every output frame whose time is before `t`.
    fn offer(
        &mut self,
        frame: ff::frame::Video,
        t: Rational,
        emit: &mut dyn FnMut(&ff::frame::Video, i64) -> Result<(), SegmentError>,
    ) -> Result<(), SegmentError> {
        while !self.done() && self.target() < t {
            // Before the first decoded frame there is nothing earlier: show that frame.
            let src = self.prev.as_ref().unwrap_or(&frame);
            emit(src, self.next)?;
            self.next += 1;
        }
        self.prev = Some(frame);
        Ok(())
    }
    /// End of the source: hold the last frame for the remaining output frames.
    fn finish(
        &mut self,
        emit: &mut dyn FnMut(&ff::frame::Video, i64) -> Result<(), SegmentError>,
    ) -> Result<(), SegmentError> {
        if let Some(last) = self.prev.take() {
            while !self.done() {
                emit(&last, self.next)?;
                self.next += 1;
            }
        }
        Ok(())
    }
}

/// Decode the picture `p` asks for (and its sound, when given) into `sink` and `pcm`.
pub(super) fn decode_source(
    job: &SegmentJob,
    p: &SourcePicture,
    sound: Option<(usize, Rational, Rational, &str)>,
    sink: &mut dyn FrameSink,
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
    let (path, vstream, first, step, filter) = (
        p.path.as_path(),
        p.stream,
        p.first,
        p.step,
        p.filter.as_str(),
    );
    let shown = path.display().to_string();
    let src_err = |stage: &'static str, t: Rational| {
        let shown = shown.clone();
        move |e: ff::Error| SegmentError::Source {
            path: shown.clone(),
            stage,
            time: format_seconds(t),
            message: e.to_string(),
        }
    };
    let mut reader = Reader::open(path)?;
    let video = reader.stream(vstream).ok_or_else(|| SegmentError::Source {
        path: shown.clone(),
        stage: "open video stream",
        time: format_seconds(first),
        message: format!("stream #{vstream} is missing"),
    })?;
    let origin = video.origin;
    let mut vdec = reader
        .decoder(vstream, job.threads)
        .and_then(|mut d| {
            reduced(&mut d, p.decode);
            d.video()
        })
        .map_err(src_err("open video decoder", first))?;

    // The conform graph: its buffer takes the decoder's frames; pts are output frame numbers.
    let fps = job.output.fps;
    let sar = vdec.aspect_ratio();
    let (sn, sd) = if sar.numerator() > 0 && sar.denominator() > 0 {
        (sar.numerator(), sar.denominator())
    } else {
        (1, 1)
    };
    let mut vgraph: Option<Graph> = None;

    // Sound.
    let mut audio = match sound {
        None => None,
        Some((astream, start, speed, afilter)) => Some(open_audio(
            job.output, &reader, &shown, astream, origin, start, speed, afilter, pcm,
        )?),
    };

    // Seek a keyframe well before the in-point (from the very start when it is near it).
    if first > SEEK_LEAD {
        reader
            .seek(origin + first - SEEK_LEAD)
            .map_err(src_err("seek", first))?;
    }

    let mut sampler = Sampler {
        first,
        step,
        count: job.segment.frames,
        next: 0,
        prev: None,
    };
    let mut last_t = first;
    let mut last_decoded: Option<Rational> = None;
    let threads = job.threads;
    let mut emit = |f: &ff::frame::Video, j: i64| -> Result<(), SegmentError> {
        if vgraph.is_none() {
            let args = crate::media::buffer_args(f, (fps.den(), fps.num()), (sn, sd));
            vgraph = Some(
                Graph::chain(Medium::Video, &args, filter, threads)
                    .map_err(out_err("conform picture"))?,
            );
        }
        let mut copy = f.clone();
        copy.set_pts(Some(j));
        if let Some(g) = vgraph.as_mut() {
            g.push(&mut copy).map_err(out_err("conform picture"))?;
            pull_video(g, sink)?;
        }
        Ok(())
    };

    let mut frame = ff::frame::Video::empty();
    let mut aframe = ff::frame::Audio::empty();
    loop {
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        let audio_done = audio.as_ref().is_none_or(AudioState::done);
        if sampler.done() && audio_done {
            break;
        }
        let Some(packet) = reader.read_packet().map_err(src_err("read", last_t))? else {
            break;
        };
        let idx = packet.stream();
        if idx == vstream && !sampler.done() {
            if let Some(p) = packet.pts().or(packet.dts()) {
                last_t = video.seconds(p);
            }
            vdec.send_packet(packet)
                .map_err(src_err("decode video", last_t))?;
            while received(vdec.receive_frame(&mut frame))
                .map_err(src_err("decode video", last_t))?
            {
                let t = match frame.timestamp() {
                    Some(ts) => video.seconds(ts),
                    None => last_t,
                };
                last_decoded = Some(last_decoded.map_or(t, |l| l.max(t)));
                let f = std::mem::replace(&mut frame, ff::frame::Video::empty());
                sampler.offer(f, t, &mut emit)?;
            }
        } else if let Some(a) = audio.as_mut().filter(|a| a.takes(idx)) {
            a.feed(packet, &mut aframe, &|stage, e| src_err(stage, last_t)(e))?;
        }
    }
    if !sampler.done() {
        // Flush the decoder: frames it still holds.
        let _ = vdec.send_eof();
        while received(vdec.receive_frame(&mut frame)).map_err(src_err("decode video", last_t))? {
            let t = frame
                .timestamp()
                .map(|ts| video.seconds(ts))
                .unwrap_or(last_t);
            last_decoded = Some(last_decoded.map_or(t, |l| l.max(t)));
            let f = std::mem::replace(&mut frame, ff::frame::Video::empty());
            sampler.offer(f, t, &mut emit)?;
        }
        // A source that ends well before the frames the plan needs is damaged or truncated:
        // say so instead of freezing its last picture.
        let needed = sampler.target();
        if let Some(last) = last_decoded.filter(|l| needed > *l + END_SLACK) {
            return Err(SegmentError::Source {
                path: shown.clone(),
                stage: "decode video",
                time: format_seconds(needed),
                message: format!(
                    "the picture ends at {} (the file may be truncated or damaged)",
                    format_seconds(last)
                ),
            });
        }
        if sampler.prev.is_none() {
            return Err(SegmentError::Source {
                path: shown.clone(),
                stage: "decode video",
                time: format_seconds(first),
                message: "no picture could be decoded from this point on (the file may be damaged or shorter than it claims)".into(),
            });
        }
        sampler.finish(&mut emit)?;
    }
    if let Some(a) = audio.as_mut() {
        a.finish().map_err(src_err("conform sound", last_t))?;
    }
    // Flush the picture graph (bwdif holds a frame).
    if let Some(g) = vgraph.as_mut() {
        let _ = g.flush();
        pull_video(g, sink)?;
    }
    Ok(())
}

/// A draft's cheaper decoding, set before the decoder opens: `lowres` (FFmpeg clamps it to what
/// the codec supports) and no loop filter.
fn reduced(d: &mut ff::codec::decoder::Decoder, hints: DecodeHints) {
    if hints.lowres > 0 {
        // SAFETY: the context is valid and not yet opened; `lowres` is a plain int field that
        // avcodec_open2 reads (and clamps to the codec's maximum).
        unsafe {
            (*d.as_mut_ptr()).lowres = i32::from(hints.lowres);
        }
    }
    if hints.skip_loop_filter {
        d.skip_loop_filter(ff::codec::discard::Discard::All);
    }
}
