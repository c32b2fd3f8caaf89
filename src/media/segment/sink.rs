//! Where a segment's conformed pictures go: [`FrameSink`], and the [`EncodeSink`] that fades
//! them, draws the burn-in overlays and subtitles, converts them for the encoder and encodes them.

use std::path::Path;

use super::job::{io_err, out_err, FrameSink, SegmentError, SegmentJob};
use crate::media::encode::encoder_pixel_format;
use crate::media::graph::{Graph, Medium};
use crate::media::overlay;
use crate::media::packets::PacketWriter;
use crate::media::received;
use crate::plan::{Fade, OutputSpec};
use crate::time::Rational;
use ffmpeg_next as ff;

/// Encodes conformed frames with pts 0, 1, 2 … and writes the packets.
pub(super) struct EncodeSink<'a> {
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

impl FrameSink for EncodeSink<'_> {
    fn done(&self) -> bool {
        self.next_pts >= self.frames
    }

    fn push(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
        self.encode(frame)
    }
}

impl<'a> EncodeSink<'a> {
    /// A sink for `job`'s segment into `encoder`, its packets into `writer`.
    pub(super) fn new(
        encoder: &'a mut ff::codec::encoder::video::Encoder,
        writer: &'a mut PacketWriter,
        job: &'a SegmentJob,
    ) -> EncodeSink<'a> {
        let seg = job.segment;
        EncodeSink {
            encoder,
            writer,
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
            output: job.output,
        }
    }

    pub(super) fn encode(&mut self, frame: &mut ff::frame::Video) -> Result<(), SegmentError> {
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
                    overlay::subtitle_graph(self.output, pix, &script, fonts)
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
                    overlay::overlay_graph(self.output, spec, pix)
                        .map_err(out_err("draw overlays"))?,
                );
            }
            if let Some(g) = self.overlay_graph.as_mut() {
                through(g, frame, "draw overlays")?;
            }
        }
        let wanted = encoder_pixel_format(self.output.video.codec);
        if frame.format() != wanted {
            if self.convert_graph.is_none() {
                let fps = self.output.fps;
                let args = crate::media::buffer_args(frame, (fps.den(), fps.num()), (1, 1));
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
        while received(self.encoder.receive_packet(&mut packet)).map_err(out_err("encode video"))? {
            self.writer
                .write(&packet)
                .map_err(io_err("write segment packets"))?;
        }
        Ok(())
    }

    pub(super) fn finish(&mut self) -> Result<(), SegmentError> {
        if self.next_pts != self.frames {
            return Err(SegmentError::Output {
                stage: "conform video",
                source: format!("produced {} of {} frames", self.next_pts, self.frames).into(),
            });
        }
        self.encoder.send_eof().map_err(out_err("encode video"))?;
        self.drain()
    }
}
