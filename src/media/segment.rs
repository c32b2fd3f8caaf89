//! Render one planned segment: decode the needed range of a source (or generate black), sample
//! frames by the plan's exact source times, conform them through a filter graph, encode the
//! picture, and conform the sound into exactly the segment's number of PCM samples.
//!
//! Output: a packet file (see [`super::packets`]) holding the encoded video, and a raw PCM file
//! (interleaved little-endian `f32`) holding exactly `segment.samples` samples per channel.

use crate::cancel::Cancel;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::encode::{decoder_threading, extradata, video_encoder};
use super::graph::{Graph, Medium};
use super::packets::PacketWriter;
use super::{ff, open_input, MediaError};
use crate::plan::{BedPiece, Envelope, Fade, OutputSpec, Picture, Segment, Sound};
use crate::time::{format_seconds, Rational};

/// How far before the in-point to seek, so that the decoder has a keyframe and the whole GOP
/// (open-GOP sources lose their first frame when a seek lands exactly on the in-point).
const SEEK_LEAD: Rational = Rational::new_raw(1, 1);
/// How far past a source's last decoded frame a clip may reach (container durations round, and
/// the last frame lasts a frame): beyond this the source is treated as truncated.
const END_SLACK: Rational = Rational::new_raw(1, 4);

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

fn io_err(stage: &'static str) -> impl Fn(std::io::Error) -> SegmentError {
    move |e| SegmentError::Output {
        stage,
        message: e.to_string(),
    }
}

fn ratio(r: ff::Rational) -> Rational {
    if r.denominator() == 0 {
        Rational::from_integer(0)
    } else {
        Rational::new(r.numerator() as i64, r.denominator() as i64)
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

    let mut sink = EncodeSink {
        encoder: &mut encoder,
        writer: &mut writer,
        next_pts: 0,
        frames: seg.frames,
        progress: job.progress,
        fades: &seg.fades,
        record_start: seg.record_start,
        overlay: seg.overlay.as_ref(),
        overlay_graph: None,
        burn_in: seg.burn_in.as_ref(),
        burn_graph: None,
        convert_graph: None,
        dir: job.dir,
        segment: seg.id,
        output: out,
    };
    produce(job, &seg.picture, &seg.sound, &mut sink, &mut pcm)?;
    sink.finish()?;
    writer.finish().map_err(io_err("write segment packets"))?;
    apply_sound_fades(&mut pcm, channels, seg, out);
    mix_beds(job, &mut pcm)?;

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

/// Encodes conformed frames with pts 0, 1, 2 … and writes the packets.
pub(crate) struct EncodeSink<'a> {
    encoder: &'a mut ff::codec::encoder::video::Encoder,
    writer: &'a mut PacketWriter,
    next_pts: i64,
    frames: i64,
    progress: &'a (dyn Fn(i64) + Sync),
    fades: &'a [Fade],
    record_start: i64,
    overlay: Option<&'a crate::plan::OverlaySpec>,
    overlay_graph: Option<Graph>,
    /// Subtitles burned in, drawn by libass from a script written into `dir`.
    burn_in: Option<&'a crate::plan::subtitles::BurnIn>,
    burn_graph: Option<Graph>,
    /// Converts conformed 4:2:0 pictures to the encoder's format when it takes another.
    convert_graph: Option<Graph>,
    dir: &'a Path,
    segment: usize,
    output: &'a OutputSpec,
}

/// Pass `frame` through a one-input, one-output picture graph, in place.
fn through(
    g: &mut Graph,
    frame: &mut ff::frame::Video,
    stage: &'static str,
) -> Result<(), SegmentError> {
    g.through(frame).map_err(out_err(stage))
}

/// The libass script for a segment's burned-in cues: each cue starts and ends half a frame
/// before its first and after its last frame, so centisecond rounding cannot move it by a frame.
fn burn_in_script(b: &crate::plan::subtitles::BurnIn, out: &OutputSpec) -> String {
    let fps = out.fps.as_ratio();
    let cs = |frame: i64| {
        if frame <= 0 {
            0
        } else {
            crate::time::round_half_up(
                (Rational::from_integer(frame) - Rational::new(1, 2)) * 100 / fps,
            )
        }
    };
    let events: Vec<(i64, i64, &str)> = b
        .cues
        .iter()
        .map(|c| (cs(c.first), cs(c.end), c.text.as_str()))
        .collect();
    let family = crate::subs::font_family(&b.style.font).unwrap_or_else(|| "DejaVu Sans".into());
    crate::subs::ass_document(
        &family,
        b.style.size,
        b.style.outline,
        b.style.margin,
        b.style.top,
        out.width,
        out.height,
        &events,
    )
}

/// Scale sound by the segment's fades, sample by sample.
fn apply_sound_fades(pcm: &mut [f32], channels: usize, seg: &Segment, out: &OutputSpec) {
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

/// Scale a yuv420p picture towards black: luma towards 16, chroma towards 128.
fn darken(frame: &mut ff::frame::Video, level: Rational) -> Result<(), SegmentError> {
    // SAFETY: `frame` holds a valid AVFrame; av_frame_make_writable gives it its own buffers
    // when they are shared, so writing its planes cannot touch another frame.
    let r = unsafe { ff::ffi::av_frame_make_writable(frame.as_mut_ptr()) };
    if r < 0 {
        return Err(out_err("fade")(ff::Error::from(r)));
    }
    let scale = |v: u8, base: i64| -> u8 {
        let d = Rational::from_integer(v as i64 - base) * level;
        (base + crate::time::round_half_up(d)).clamp(0, 255) as u8
    };
    let luma: Vec<u8> = (0..=255u8).map(|v| scale(v, 16)).collect();
    let chroma: Vec<u8> = (0..=255u8).map(|v| scale(v, 128)).collect();
    for plane in 0..3 {
        let lut = if plane == 0 { &luma } else { &chroma };
        for v in frame.data_mut(plane).iter_mut() {
            *v = lut[*v as usize];
        }
    }
    Ok(())
}

/// Where conformed pictures go: the encoder, or (for a dissolve) a buffer or a blender.
pub(crate) trait FrameSink {
    /// Whether the segment has all its frames.
    fn done(&self) -> bool;
    /// Take the next frame.
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError>;
}

impl FrameSink for EncodeSink<'_> {
    fn done(&self) -> bool {
        self.next_pts >= self.frames
    }

    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        self.encode(frame)
    }
}

/// Keeps the outgoing side of a dissolve.
struct CollectSink {
    frames: Vec<ff::frame::Video>,
    count: i64,
}

impl FrameSink for CollectSink {
    fn done(&self) -> bool {
        self.frames.len() as i64 >= self.count
    }
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        if !self.done() {
            self.frames.push(frame.clone());
        }
        Ok(())
    }
}

/// Mixes the incoming side of a dissolve with the kept outgoing frames: frame j is
/// `from × (n + 1 − (j + 1)) + to × (j + 1)`, over n + 1.
struct BlendSink<'s, 'e> {
    from: Vec<ff::frame::Video>,
    inner: &'s mut EncodeSink<'e>,
    next: usize,
    count: i64,
}

impl FrameSink for BlendSink<'_, '_> {
    fn done(&self) -> bool {
        self.next as i64 >= self.count
    }
    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        if self.done() {
            return Ok(());
        }
        let Some(from) = self.from.get(self.next).or(self.from.last()) else {
            return Err(SegmentError::Output {
                stage: "dissolve",
                message: "the outgoing side produced no frames".into(),
            });
        };
        // SAFETY: `frame` holds a valid AVFrame; make_writable gives it private buffers.
        let r = unsafe { ff::ffi::av_frame_make_writable(frame.as_mut_ptr()) };
        if r < 0 {
            return Err(out_err("dissolve")(ff::Error::from(r)));
        }
        let d = self.count as u32 + 1;
        let w = self.next as u32 + 1;
        let (width, height) = (frame.width() as usize, frame.height() as usize);
        for plane in 0..3 {
            let (pw, ph) = if plane == 0 {
                (width, height)
            } else {
                (width.div_ceil(2), height.div_ceil(2))
            };
            let (fs, ts) = (from.stride(plane), frame.stride(plane));
            let src = from.data(plane).to_vec();
            let dst = frame.data_mut(plane);
            for row in 0..ph {
                for col in 0..pw {
                    let a = src[row * fs + col] as u32;
                    let b = dst[row * ts + col] as u32;
                    dst[row * ts + col] = ((a * (d - w) + b * w + d / 2) / d) as u8;
                }
            }
        }
        self.next += 1;
        self.inner.encode(frame)
    }
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
            let mut kept = CollectSink {
                frames: Vec::new(),
                count: job.segment.frames,
            };
            let mut pcm_from = vec![0f32; pcm.len()];
            produce_side(job, &d.from, from_sound, &mut kept, &mut pcm_from)?;
            let mut blend = BlendSink {
                from: kept.frames,
                inner: sink,
                next: 0,
                count: job.segment.frames,
            };
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
        Picture::Black => black(job, sink),
        Picture::Title(t) => super::title::render_title(job, t, sound, sink, pcm),
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
            decode_source(
                job, &p.path, p.stream, p.first, p.step, &p.filter, sound, sink, pcm,
            )?;
            if let Some(e) = envelope {
                apply_envelope(pcm, job.output.audio.channels as usize, e);
            }
            Ok(())
        }
        Picture::Dissolve(_) => Err(SegmentError::Output {
            stage: "dissolve",
            message: "a dissolve cannot contain another dissolve".into(),
        }),
    }
}

impl EncodeSink<'_> {
    fn encode(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        if self.done() {
            return Ok(());
        }
        let record = self.record_start + self.next_pts;
        let level = self
            .fades
            .iter()
            .fold(Rational::from_integer(1), |l, f| l * f.level(record));
        if level != Rational::from_integer(1) {
            darken(frame, level)?;
        }
        frame.set_pts(Some(self.next_pts));
        let pix = ff::ffi::AVPixelFormat::from(frame.format()) as i32;
        if let Some(b) = self.burn_in {
            if self.burn_graph.is_none() {
                let script = self.dir.join(format!("seg-{:05}.ass", self.segment));
                std::fs::write(&script, burn_in_script(b, self.output))
                    .map_err(io_err("write the subtitle script"))?;
                let fonts = b.style.font.parent().unwrap_or(self.dir);
                self.burn_graph = Some(
                    super::title::subtitle_graph(self.output, pix, &script, fonts)
                        .map_err(out_err("burn in subtitles"))?,
                );
            }
            if let Some(g) = self.burn_graph.as_mut() {
                through(g, frame, "burn in subtitles")?;
            }
        }
        if let Some(spec) = self.overlay {
            if self.overlay_graph.is_none() {
                self.overlay_graph = Some(
                    super::title::overlay_graph(self.output, spec, pix)
                        .map_err(out_err("draw overlays"))?,
                );
            }
            if let Some(g) = self.overlay_graph.as_mut() {
                through(g, frame, "draw overlays")?;
            }
        }
        let wanted = super::encode::encoder_pixel_format(&self.output.video.codec);
        if frame.format() != wanted {
            if self.convert_graph.is_none() {
                let fps = self.output.fps;
                let args = super::buffer_args(frame, (fps.den(), fps.num()), (1, 1));
                let spec = format!(
                    "format=pix_fmts={}",
                    wanted.descriptor().map_or("yuv422p10le", |d| d.name())
                );
                self.convert_graph = Some(
                    Graph::chain(Medium::Video, &args, &spec, 1)
                        .map_err(out_err("convert for the encoder"))?,
                );
            }
            if let Some(g) = self.convert_graph.as_mut() {
                through(g, frame, "convert for the encoder")?;
            }
        }
        frame.set_kind(ff::picture::Type::None);
        self.next_pts += 1;
        self.encoder
            .send_frame(frame)
            .map_err(out_err("encode video"))?;
        self.drain()?;
        (self.progress)(self.next_pts);
        Ok(())
    }

    fn drain(&mut self) -> Result<(), SegmentError> {
        let mut packet = ff::Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            self.writer
                .write(&packet)
                .map_err(io_err("write segment packets"))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SegmentError> {
        if self.next_pts != self.frames {
            return Err(SegmentError::Output {
                stage: "conform video",
                message: format!("produced {} of {} frames", self.next_pts, self.frames),
            });
        }
        self.encoder.send_eof().map_err(out_err("encode video"))?;
        self.drain()
    }
}

/// Pull every available frame from a video graph into the encoder.
fn pull_video(g: &mut Graph, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
    let mut frame = ff::frame::Video::empty();
    while g.pull(&mut frame).map_err(out_err("conform picture"))? {
        sink.push(&mut frame)?;
    }
    Ok(())
}

/// A gap (and, until they are drawn, a title card): black frames.
fn black(job: &SegmentJob, sink: &mut dyn FrameSink) -> Result<(), SegmentError> {
    let out = job.output;
    let spec = format!(
        "color=c=black:s={}x{}:r={}/{},format=yuv420p",
        out.width,
        out.height,
        out.fps.num(),
        out.fps.den()
    );
    let mut g = Graph::generator(Medium::Video, &spec).map_err(out_err("black frames"))?;
    pull_generated(job, &mut g, sink)
}

/// Encode the segment's frames from a graph that generates pictures (no input), whose sink is
/// named `out`.
pub(crate) fn pull_generated(
    job: &SegmentJob,
    g: &mut Graph,
    sink: &mut dyn FrameSink,
) -> Result<(), SegmentError> {
    let mut frame = ff::frame::Video::empty();
    while !sink.done() {
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        if !g.pull(&mut frame).map_err(out_err("generate pictures"))? {
            break;
        }
        sink.push(&mut frame)?;
    }
    Ok(())
}

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

struct AudioState<'a> {
    decoder: ff::codec::decoder::Audio,
    graph: Graph,
    stream: usize,
    /// Absolute position (in output samples since the file's origin) of the segment's first sample.
    first_sample: Rational,
    sink_tb: Rational,
    pcm: &'a mut [f32],
    channels: usize,
    /// Highest sample index filled so far (exclusive).
    filled: i64,
    /// Where the next frame goes when it follows on from the last one (containers such as
    /// Matroska round timestamps to milliseconds: placing every frame by its own timestamp
    /// would tear the sound by a few samples at each frame).
    next: Option<i64>,
    total: i64,
    sample_rate: i64,
}

impl AudioState<'_> {
    fn done(&self) -> bool {
        self.filled >= self.total
    }
    /// The source ended: flush what the decoder and the conform graph hold. Whatever the
    /// source did not cover stays silent (never stretched, never shifted).
    fn finish(&mut self) -> Result<(), ff::Error> {
        if self.done() {
            return Ok(());
        }
        let mut aframe = ff::frame::Audio::empty();
        let _ = self.decoder.send_eof();
        while self.decoder.receive_frame(&mut aframe).is_ok() {
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
                _ => stamped,
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

#[allow(clippy::too_many_arguments)]
fn decode_source(
    job: &SegmentJob,
    path: &Path,
    vstream: usize,
    first: Rational,
    step: Rational,
    filter: &str,
    sound: Option<(usize, Rational, &str)>,
    sink: &mut dyn FrameSink,
    pcm: &mut [f32],
) -> Result<(), SegmentError> {
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
    let mut ictx = open_input(path)?;
    let (vtb, origin, params) = {
        let st = ictx.stream(vstream).ok_or_else(|| SegmentError::Source {
            path: shown.clone(),
            stage: "open video stream",
            time: format_seconds(first),
            message: format!("stream #{vstream} is missing"),
        })?;
        (st.time_base(), super::stream_origin(&st), st.parameters())
    };
    let vtb_r = ratio(vtb);

    let mut vctx = ff::codec::context::Context::from_parameters(params)
        .map_err(src_err("open video decoder", first))?;
    vctx.set_threading(decoder_threading(job.threads));
    let mut vdec = vctx.decoder();
    vdec.set_packet_time_base(vtb);
    let mut vdec = vdec.video().map_err(src_err("open video decoder", first))?;

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
        Some((astream, start, afilter)) => Some(open_audio(
            job, &ictx, &shown, astream, origin, start, afilter, pcm,
        )?),
    };

    // Seek a keyframe well before the in-point (from the very start when it is near it).
    if first > SEEK_LEAD {
        let target = (origin + first - SEEK_LEAD) * (ff::ffi::AV_TIME_BASE as i64);
        let ts = target.floor().to_integer();
        ictx.seek(ts, ..ts).map_err(src_err("seek", first))?;
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
            let args = super::buffer_args(f, (fps.den(), fps.num()), (sn, sd));
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

    let mut packet = ff::Packet::empty();
    let mut frame = ff::frame::Video::empty();
    let mut aframe = ff::frame::Audio::empty();
    let mut eof = false;
    loop {
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        let audio_done = audio.as_ref().is_none_or(AudioState::done);
        if sampler.done() && audio_done {
            break;
        }
        match super::read_into(&mut packet, &mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => {
                eof = true;
            }
            Err(e) => return Err(src_err("read", last_t)(e)),
        }
        if eof {
            break;
        }
        let idx = packet.stream();
        if idx == vstream && !sampler.done() {
            if let Some(p) = packet.pts().or(packet.dts()) {
                last_t = vtb_r * p - origin;
            }
            vdec.send_packet(&packet)
                .map_err(src_err("decode video", last_t))?;
            while vdec.receive_frame(&mut frame).is_ok() {
                let t = match frame.timestamp() {
                    Some(ts) => vtb_r * ts - origin,
                    None => last_t,
                };
                last_decoded = Some(last_decoded.map_or(t, |l| l.max(t)));
                let f = std::mem::replace(&mut frame, ff::frame::Video::empty());
                sampler.offer(f, t, &mut emit)?;
            }
        } else if let Some(a) = audio.as_mut().filter(|a| a.stream == idx && !a.done()) {
            a.decoder
                .send_packet(&packet)
                .map_err(src_err("decode audio", last_t))?;
            while a.decoder.receive_frame(&mut aframe).is_ok() {
                push_audio(a, &mut aframe).map_err(src_err("conform sound", last_t))?;
            }
            a.pull()?;
        }
    }
    if !sampler.done() {
        // Flush the decoder: frames it still holds.
        let _ = vdec.send_eof();
        while vdec.receive_frame(&mut frame).is_ok() {
            let t = frame
                .timestamp()
                .map(|ts| vtb_r * ts - origin)
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

/// Open a source's audio stream for decoding into `pcm` (interleaved output samples), whose
/// first sample is at source time `start` (relative to `origin`, the file's time zero).
#[allow(clippy::too_many_arguments)]
fn open_audio<'p>(
    job: &SegmentJob,
    ictx: &ff::format::context::Input,
    shown: &str,
    astream: usize,
    origin: Rational,
    start: Rational,
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
    let st = ictx.stream(astream).ok_or_else(|| SegmentError::Source {
        path: shown.to_string(),
        stage: "open audio stream",
        time: format_seconds(start),
        message: format!("stream #{astream} is missing"),
    })?;
    let atb = st.time_base();
    let mut actx = ff::codec::context::Context::from_parameters(st.parameters())
        .map_err(src_err("open audio decoder"))?;
    actx.set_threading(decoder_threading(1));
    let mut adec = actx.decoder();
    adec.set_packet_time_base(atb);
    let adec = adec.audio().map_err(src_err("open audio decoder"))?;
    let layout = layout_name(&adec);
    let args = super::abuffer_args(
        (atb.numerator(), atb.denominator()),
        adec.rate(),
        adec.format().name(),
        &layout,
    );
    let g = Graph::chain(Medium::Audio, &args, afilter, 1).map_err(src_err("conform sound"))?;
    let sink_tb = Some(g.sink_time_base())
        .filter(|r| *r.numer() > 0)
        .unwrap_or(Rational::new(1, job.output.audio.sample_rate as i64));
    let sr = job.output.audio.sample_rate as i64;
    let channels = (job.output.audio.channels as usize).max(1);
    Ok(AudioState {
        decoder: adec,
        graph: g,
        stream: astream,
        first_sample: (origin + start) * sr,
        sink_tb,
        channels,
        filled: 0,
        next: None,
        total: (pcm.len() / channels) as i64,
        sample_rate: sr,
        pcm,
    })
}

/// Decode `bed.samples` samples of a bed into `pcm` (sound only: no picture is decoded).
fn decode_bed(job: &SegmentJob, bed: &BedPiece, pcm: &mut [f32]) -> Result<(), SegmentError> {
    let shown = bed.path.display().to_string();
    let mut ictx = open_input(&bed.path)?;
    let origin = {
        let st = ictx
            .stream(bed.origin_stream)
            .ok_or_else(|| SegmentError::Source {
                path: shown.clone(),
                stage: "open stream",
                time: format_seconds(bed.start),
                message: format!("stream #{} is missing", bed.origin_stream),
            })?;
        super::stream_origin(&st)
    };
    let mut audio = open_audio(
        job,
        &ictx,
        &shown,
        bed.stream,
        origin,
        bed.start,
        &bed.filter,
        pcm,
    )?;
    if bed.start > SEEK_LEAD {
        let target = (origin + bed.start - SEEK_LEAD) * (ff::ffi::AV_TIME_BASE as i64);
        let ts = target.floor().to_integer();
        ictx.seek(ts, ..ts).map_err(|e| SegmentError::Source {
            path: shown.clone(),
            stage: "seek",
            time: format_seconds(bed.start),
            message: e.to_string(),
        })?;
    }
    let err = |stage: &'static str| {
        let shown = shown.clone();
        move |e: ff::Error| SegmentError::Source {
            path: shown.clone(),
            stage,
            time: format_seconds(bed.start),
            message: e.to_string(),
        }
    };
    let mut packet = ff::Packet::empty();
    let mut aframe = ff::frame::Audio::empty();
    while !audio.done() {
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        match super::read_into(&mut packet, &mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(e) => return Err(err("read")(e)),
        }
        if packet.stream() != audio.stream {
            continue;
        }
        audio
            .decoder
            .send_packet(&packet)
            .map_err(err("decode audio"))?;
        while audio.decoder.receive_frame(&mut aframe).is_ok() {
            push_audio(&mut audio, &mut aframe).map_err(err("conform sound"))?;
        }
        audio.pull()?;
    }
    audio.finish().map_err(err("conform sound"))
}

/// Multiply interleaved `pcm` by `envelope`, sample by sample.
fn apply_envelope(pcm: &mut [f32], channels: usize, envelope: &Envelope) {
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

/// Lay the segment's beds under its sound.
fn mix_beds(job: &SegmentJob, pcm: &mut [f32]) -> Result<(), SegmentError> {
    let channels = (job.output.audio.channels as usize).max(1);
    for bed in &job.segment.beds {
        let mut buf = vec![0f32; bed.samples.max(0) as usize * channels];
        decode_bed(job, bed, &mut buf)?;
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
    frame.set_pts(ts);
    a.graph.push(frame)
}

pub(crate) fn layout_name(dec: &ff::codec::decoder::Audio) -> String {
    let mut buf = [0 as std::os::raw::c_char; 128];
    // SAFETY: the decoder context is open; its ch_layout is valid. When the layout order is
    // unspecified, a default layout for the channel count is described instead (into a
    // temporary that is uninitialised afterwards). The buffer size is passed.
    unsafe {
        let p = dec.as_ptr();
        let layout = &(*p).ch_layout;
        if layout.order == ff::ffi::AVChannelOrder::AV_CHANNEL_ORDER_UNSPEC {
            let mut def: ff::ffi::AVChannelLayout = std::mem::zeroed();
            ff::ffi::av_channel_layout_default(&mut def, layout.nb_channels.max(1));
            ff::ffi::av_channel_layout_describe(&def, buf.as_mut_ptr(), buf.len());
            ff::ffi::av_channel_layout_uninit(&mut def);
        } else {
            ff::ffi::av_channel_layout_describe(layout, buf.as_mut_ptr(), buf.len());
        }
        std::ffi::CStr::from_ptr(buf.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}
