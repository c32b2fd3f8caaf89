//! Pictures (and their sound) decoded from a source: seek before the in-point, decode, pick
//! for each output frame the latest source frame at or before its exact source time, conform it
//! through the plan's filter chain, and hand it to the sink.

use crate::plan::{DecodeHints, SourcePicture};

use super::generated::pull_video;
use super::job::{out_err, FrameSink, SegmentError, SegmentJob};
use super::sound::{open_audio, AudioState, SEEK_LEAD};
use crate::media::graph::{Graph, Medium};
use crate::media::reader::{Reader, StreamInfo};
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
    let shown = p.path.display().to_string();
    let mut reader = Reader::open(&p.path)?;
    let mut pic = Picture::open(job, p, &reader, &shown)?;
    let mut audio = match sound {
        None => None,
        Some((astream, start, speed, afilter)) => Some(open_audio(
            job.output,
            &reader,
            &shown,
            astream,
            pic.info.origin,
            start,
            speed,
            afilter,
            pcm,
        )?),
    };
    // Seek a keyframe well before the in-point (from the very start when it is near it).
    if p.first > SEEK_LEAD {
        reader
            .seek(pic.info.origin + p.first - SEEK_LEAD)
            .map_err(src_err(&shown, "seek", p.first))?;
    }
    let mut aframe = ff::frame::Audio::empty();
    loop {
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        let audio_done = audio.as_ref().is_none_or(AudioState::done);
        if pic.sampler.done() && audio_done {
            break;
        }
        let Some(packet) = reader
            .read_packet()
            .map_err(src_err(&shown, "read", pic.last_t))?
        else {
            break;
        };
        let idx = packet.stream();
        if idx == pic.info.index && !pic.sampler.done() {
            pic.feed(packet, sink)?;
        } else if let Some(a) = audio.as_mut().filter(|a| a.takes(idx)) {
            let last_t = pic.last_t;
            a.feed(packet, &mut aframe, &|stage, e| {
                src_err(&shown, stage, last_t)(e)
            })?;
        }
    }
    if !pic.sampler.done() {
        pic.finish(sink)?;
    }
    if let Some(a) = audio.as_mut() {
        a.finish()
            .map_err(src_err(&shown, "conform sound", pic.last_t))?;
    }
    // Flush the picture graph (bwdif holds a frame).
    pic.conform.flush(sink)
}

/// A failure at `stage` on the source `shown`, at source time `t`.
fn src_err<'a>(
    shown: &'a str,
    stage: &'static str,
    t: Rational,
) -> impl Fn(ff::Error) -> SegmentError + 'a {
    move |e| SegmentError::Source {
        path: shown.to_string(),
        stage,
        time: format_seconds(t),
        message: e.to_string(),
    }
}

/// The conform graph, made from the first frame it is given (its size and pixel format);
/// pts are output frame numbers.
struct Conform<'a> {
    graph: Option<Graph>,
    /// The output's frame rate and the source's sample aspect ratio.
    fps: crate::time::Rate,
    sar: (i32, i32),
    filter: &'a str,
    threads: usize,
}

impl Conform<'_> {
    /// Conform source frame `f` as output frame `j`, into `sink`.
    fn emit(
        &mut self,
        f: &ff::frame::Video,
        j: i64,
        sink: &mut dyn FrameSink,
    ) -> Result<(), SegmentError> {
        if self.graph.is_none() {
            let args = crate::media::buffer_args(f, (self.fps.den(), self.fps.num()), self.sar);
            self.graph = Some(
                Graph::chain(Medium::Video, &args, self.filter, self.threads)
                    .map_err(out_err("conform picture"))?,
            );
        }
        let mut copy = f.clone();
        copy.set_pts(Some(j));
        if let Some(g) = self.graph.as_mut() {
            g.push(&mut copy).map_err(out_err("conform picture"))?;
            pull_video(g, sink)?;
        }
        Ok(())
    }

    /// What the graph still holds, into `sink`.
    fn flush(&mut self, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
        if let Some(g) = self.graph.as_mut() {
            let _ = g.flush();
            pull_video(g, sink)?;
        }
        Ok(())
    }
}

/// The source's picture being decoded, sampled at the output's frames and conformed.
struct Picture<'a> {
    shown: &'a str,
    info: StreamInfo,
    dec: ff::codec::decoder::Video,
    sampler: Sampler,
    conform: Conform<'a>,
    frame: ff::frame::Video,
    /// Source time of the last packet read, and of the latest frame decoded.
    last_t: Rational,
    last_decoded: Option<Rational>,
}

impl<'a> Picture<'a> {
    /// Open the decoder of the picture `p` asks for.
    fn open(
        job: &SegmentJob,
        p: &'a SourcePicture,
        reader: &Reader,
        shown: &'a str,
    ) -> Result<Picture<'a>, SegmentError> {
        let info = reader
            .stream(p.stream)
            .ok_or_else(|| SegmentError::Source {
                path: shown.to_string(),
                stage: "open video stream",
                time: format_seconds(p.first),
                message: format!("stream #{} is missing", p.stream),
            })?;
        let dec = reader
            .decoder(p.stream, job.threads)
            .and_then(|mut d| {
                reduced(&mut d, p.decode);
                d.video()
            })
            .map_err(src_err(shown, "open video decoder", p.first))?;
        let sar = dec.aspect_ratio();
        let sar = if sar.numerator() > 0 && sar.denominator() > 0 {
            (sar.numerator(), sar.denominator())
        } else {
            (1, 1)
        };
        Ok(Picture {
            shown,
            info,
            dec,
            sampler: Sampler {
                first: p.first,
                step: p.step,
                count: job.segment.frames,
                next: 0,
                prev: None,
            },
            conform: Conform {
                graph: None,
                fps: job.output.fps,
                sar,
                filter: p.filter.as_str(),
                threads: job.threads,
            },
            frame: ff::frame::Video::empty(),
            last_t: p.first,
            last_decoded: None,
        })
    }

    /// Decode a packet of the picture's stream.
    fn feed(&mut self, packet: &ff::Packet, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
        if let Some(p) = packet.pts().or(packet.dts()) {
            self.last_t = self.info.seconds(p);
        }
        self.dec
            .send_packet(packet)
            .map_err(src_err(self.shown, "decode video", self.last_t))?;
        self.drain(sink)
    }

    /// Every frame the decoder has ready, offered to the sampler.
    fn drain(&mut self, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
        while received(self.dec.receive_frame(&mut self.frame)).map_err(src_err(
            self.shown,
            "decode video",
            self.last_t,
        ))? {
            let t = match self.frame.timestamp() {
                Some(ts) => self.info.seconds(ts),
                None => self.last_t,
            };
            self.last_decoded = Some(self.last_decoded.map_or(t, |l| l.max(t)));
            let f = std::mem::replace(&mut self.frame, ff::frame::Video::empty());
            let conform = &mut self.conform;
            self.sampler
                .offer(f, t, &mut |f, j| conform.emit(f, j, &mut *sink))?;
        }
        Ok(())
    }

    /// The source ended before the segment's last frame: flush the decoder (frames it still
    /// holds), then hold the last frame — unless the source ends well before the frames the
    /// plan needs.
    fn finish(&mut self, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
        let _ = self.dec.send_eof();
        self.drain(sink)?;
        // A source that ends well before the frames the plan needs is damaged or truncated:
        // say so instead of freezing its last picture.
        let needed = self.sampler.target();
        if let Some(last) = self.last_decoded.filter(|l| needed > *l + END_SLACK) {
            return Err(SegmentError::Source {
                path: self.shown.to_string(),
                stage: "decode video",
                time: format_seconds(needed),
                message: format!(
                    "the picture ends at {} (the file may be truncated or damaged)",
                    format_seconds(last)
                ),
            });
        }
        if self.sampler.prev.is_none() {
            return Err(SegmentError::Source {
                path: self.shown.to_string(),
                stage: "decode video",
                time: format_seconds(self.sampler.first),
                message: "no picture could be decoded from this point on (the file may be damaged or shorter than it claims)".into(),
            });
        }
        let conform = &mut self.conform;
        self.sampler
            .finish(&mut |f, j| conform.emit(f, j, &mut *sink))
    }
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
