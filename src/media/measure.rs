//! Measuring rendered media: decode every picture and every sample of a file, so tests (and
//! reports) check real properties of real output — frame counts, timestamps, pixel statistics,
//! sample counts and levels.

use std::path::Path;

use super::graph::{Graph, Medium};
use super::reader::{drain, Reader};
use super::{received, MediaError};
use crate::time::Rational;
use ffmpeg_next as ff;

/// One decoded picture in 8-bit 4:2:0 (planes without padding).
#[derive(Debug, Clone)]
pub struct Picture {
    /// Presentation time in seconds from the start of the stream's time line (0 = file start).
    pub time: Rational,
    pub width: usize,
    pub height: usize,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
    pub key: bool,
}

impl Picture {
    /// Mean luma of a rectangle.
    pub fn mean_y(&self, x0: usize, y0: usize, w: usize, h: usize) -> f64 {
        let mut sum = 0u64;
        let mut n = 0u64;
        for row in y0..(y0 + h).min(self.height) {
            for col in x0..(x0 + w).min(self.width) {
                sum += self.y[row * self.width + col] as u64;
                n += 1;
            }
        }
        if n == 0 {
            0.0
        } else {
            sum as f64 / n as f64
        }
    }

    /// Largest distance of any chroma sample from neutral (128) in a rectangle of the picture
    /// (luma coordinates).
    pub fn max_chroma_deviation(&self, x0: usize, y0: usize, w: usize, h: usize) -> u8 {
        let cw = self.width.div_ceil(2);
        let mut worst = 0u8;
        for row in y0 / 2..(y0 + h).div_ceil(2).min(self.height.div_ceil(2)) {
            for col in x0 / 2..(x0 + w).div_ceil(2).min(cw) {
                let i = row * cw + col;
                worst = worst
                    .max(self.u[i].abs_diff(128))
                    .max(self.v[i].abs_diff(128));
            }
        }
        worst
    }
}

/// Decoded sound, interleaved `f32`.
#[derive(Debug, Clone)]
pub struct Sound {
    pub sample_rate: u32,
    pub channels: usize,
    /// Time of the first decoded sample, seconds.
    pub start: Rational,
    pub samples: Vec<f32>,
}

impl Sound {
    /// Samples per channel.
    pub fn len(&self) -> usize {
        self.samples.len() / self.channels.max(1)
    }
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
    /// One channel's samples.
    pub fn channel(&self, c: usize) -> Vec<f32> {
        self.samples
            .iter()
            .skip(c)
            .step_by(self.channels.max(1))
            .copied()
            .collect()
    }
}

fn err<'a>(path: &'a Path, stage: &'static str) -> impl Fn(ff::Error) -> MediaError + 'a {
    move |e| MediaError::read(path, stage, e)
}

/// Decode every picture of the first video stream, converted to yuv420p, and hand each to `f`
/// in presentation order.
pub fn for_each_picture(path: &Path, f: impl FnMut(Picture)) -> Result<usize, MediaError> {
    for_each_picture_where(path, |_| true, f)
}

/// [`for_each_picture`] handing `f` only the pictures whose position (0-based, in output
/// order) `want` accepts: the others are decoded but neither converted nor copied, so
/// looking at a few frames of a long file costs its decoding alone. Returns the count of all.
pub(crate) fn for_each_picture_where(
    path: &Path,
    want: impl Fn(usize) -> bool,
    mut f: impl FnMut(Picture),
) -> Result<usize, MediaError> {
    let mut reader = Reader::open(path)?;
    let (index, tb, dec) = best_decoder(&reader, ff::media::Type::Video)?
        .ok_or_else(|| MediaError::read(path, "find video", ff::Error::StreamNotFound))?;
    let tbr = Rational::new(tb.numerator() as i64, tb.denominator().max(1) as i64);
    let mut dec = dec.video().map_err(err(path, "open video decoder"))?;
    let mut convert = Yuv420::new(path, (tb.numerator() as i64, tb.denominator() as i64));
    let mut count = 0usize;
    let mut frame = ff::frame::Video::empty();
    decode_all(&mut reader, index, &mut dec, &mut frame, |frame| {
        let k = count;
        count += 1;
        if !want(k) {
            return Ok(());
        }
        let time = frame.timestamp().map(|t| tbr * t).unwrap_or_default();
        f(convert.picture(frame, time)?);
        Ok(())
    })?;
    Ok(count)
}

/// Decoded pictures made into [`Picture`]s: converted to yuv420p (a graph built for the first
/// picture's format) and copied without padding.
struct Yuv420<'a> {
    path: &'a Path,
    time_base: (i64, i64),
    graph: Option<Graph>,
}

impl<'a> Yuv420<'a> {
    fn new(path: &'a Path, time_base: (i64, i64)) -> Yuv420<'a> {
        Yuv420 {
            path,
            time_base,
            graph: None,
        }
    }

    fn picture(
        &mut self,
        frame: &mut ff::frame::Video,
        time: Rational,
    ) -> Result<Picture, MediaError> {
        let path = self.path;
        if self.graph.is_none() {
            let args = super::buffer_args(frame, self.time_base, (1, 1));
            self.graph = Some(
                Graph::chain(Medium::Video, &args, "format=yuv420p", 1)
                    .map_err(err(path, "convert"))?,
            );
        }
        let g = self
            .graph
            .as_mut()
            .ok_or_else(|| MediaError::read(path, "convert", ff::Error::Bug))?;
        g.push(frame).map_err(err(path, "convert"))?;
        let mut out = ff::frame::Video::empty();
        if !g.pull(&mut out).map_err(err(path, "convert"))? {
            return Err(MediaError::read(path, "convert", ff::Error::Bug));
        }
        let (w, h) = (out.width() as usize, out.height() as usize);
        let plane = |i: usize, pw: usize, ph: usize| -> Vec<u8> {
            let stride = out.stride(i);
            let data = out.data(i);
            let mut v = Vec::with_capacity(pw * ph);
            for r in 0..ph {
                v.extend_from_slice(&data[r * stride..r * stride + pw]);
            }
            v
        };
        Ok(Picture {
            time,
            width: w,
            height: h,
            y: plane(0, w, h),
            u: plane(1, w.div_ceil(2), h.div_ceil(2)),
            v: plane(2, w.div_ceil(2), h.div_ceil(2)),
            key: out.is_key(),
        })
    }
}

/// Decode a segment's packet file (as `media::packets` writes it: pts 0, 1, 2 … in frames)
/// with the output's `codec` and its parameter sets `extradata`, and hand `f` each picture
/// whose number in the segment `want` accepts, with that number, in presentation order.
pub(crate) fn for_each_segment_picture(
    path: &Path,
    codec: crate::edl::VideoCodec,
    extradata: &[u8],
    want: impl Fn(i64) -> bool,
    mut f: impl FnMut(i64, Picture),
) -> Result<(), MediaError> {
    use crate::edl::VideoCodec;
    let id = match codec {
        VideoCodec::H264 => ff::codec::Id::H264,
        VideoCodec::Hevc => ff::codec::Id::HEVC,
        _ => ff::codec::Id::PRORES,
    };
    let found = ff::decoder::find(id)
        .ok_or_else(|| MediaError::read(path, "find the decoder", ff::Error::DecoderNotFound))?;
    let mut ctx = ff::codec::context::Context::new_with_codec(found);
    if !extradata.is_empty() {
        let padding = ff::ffi::AV_INPUT_BUFFER_PADDING_SIZE as usize;
        // SAFETY: the context is valid and not opened; the buffer comes from av_mallocz with
        // the padding FFmpeg requires, is filled with exactly `extradata`, and is owned (and
        // freed) by the context from here on.
        unsafe {
            let buf = ff::ffi::av_mallocz(extradata.len() + padding) as *mut u8;
            if buf.is_null() {
                return Err(MediaError::read(path, "open the decoder", ff::Error::Bug));
            }
            std::ptr::copy_nonoverlapping(extradata.as_ptr(), buf, extradata.len());
            let p = ctx.as_mut_ptr();
            (*p).extradata = buf;
            (*p).extradata_size = extradata.len() as i32;
        }
    }
    let mut dec = ctx
        .decoder()
        .video()
        .map_err(err(path, "open the decoder"))?;
    let mut reader =
        super::packets::PacketReader::open(path).map_err(|e| MediaError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    let mut convert = Yuv420::new(path, (1, 1));
    let mut frame = ff::frame::Video::empty();
    let mut handle =
        |dec: &mut ff::decoder::Video, frame: &mut ff::frame::Video| -> Result<(), MediaError> {
            while received(dec.receive_frame(frame)).map_err(err(path, "decode"))? {
                let n = frame.timestamp().or(frame.pts()).unwrap_or(-1);
                if n >= 0 && want(n) {
                    let picture = convert.picture(frame, Rational::from_integer(n))?;
                    f(n, picture);
                }
            }
            Ok(())
        };
    loop {
        let next = reader
            .next_packet()
            .map_err(|_| MediaError::read(path, "read packets", ff::Error::InvalidData))?;
        let Some(sp) = next else { break };
        let mut packet = ff::Packet::copy(&sp.data);
        let none = ff::ffi::AV_NOPTS_VALUE;
        packet.set_pts((sp.pts != none).then_some(sp.pts));
        packet.set_dts((sp.dts != none).then_some(sp.dts));
        if sp.key {
            packet.set_flags(ff::codec::packet::Flags::KEY);
        }
        dec.send_packet(&packet).map_err(err(path, "decode"))?;
        handle(&mut dec, &mut frame)?;
    }
    let _ = dec.send_eof();
    handle(&mut dec, &mut frame)
}

/// Decode the whole first audio stream as interleaved `f32`.
pub fn decode_sound(path: &Path) -> Result<Option<Sound>, MediaError> {
    let mut start = None;
    let mut samples = Vec::new();
    let format = for_each_sound(path, |first, block| {
        start.get_or_insert(first);
        samples.extend_from_slice(block);
    })?;
    Ok(format.map(|(sample_rate, channels)| Sound {
        sample_rate,
        channels,
        start: start.unwrap_or_default(),
        samples,
    }))
}

/// Decode the first audio stream block by block, in order: `f(first, block)` gets the time of
/// the stream's first decoded sample (seconds; the same every call) and the block's samples,
/// interleaved `f32`. Returns the sample rate and channel count (`None`: no sound). Memory
/// stays at one block, however long the file.
pub(crate) fn for_each_sound(
    path: &Path,
    mut f: impl FnMut(Rational, &[f32]),
) -> Result<Option<(u32, usize)>, MediaError> {
    let mut reader = Reader::open(path)?;
    let Some((index, tb, dec)) = best_decoder(&reader, ff::media::Type::Audio)? else {
        return Ok(None);
    };
    let tbr = Rational::new(tb.numerator() as i64, tb.denominator().max(1) as i64);
    let mut dec = dec.audio().map_err(err(path, "open audio decoder"))?;
    let channels = dec.channels() as usize;
    let rate = dec.rate();
    let mut conv: Option<Graph> = None;
    let mut start: Option<Rational> = None;
    let mut block: Vec<f32> = Vec::new();
    let mut handle = |frame: &mut ff::frame::Audio| -> Result<(), MediaError> {
        let first =
            *start.get_or_insert_with(|| frame.timestamp().map(|t| tbr * t).unwrap_or_default());
        if conv.is_none() {
            let args = super::abuffer_args(
                (tb.numerator(), tb.denominator()),
                frame.rate(),
                frame.format().name(),
                &format!("{channels}c"),
            );
            conv = Some(
                Graph::chain(Medium::Audio, &args, "aformat=sample_fmts=flt", 1)
                    .map_err(err(path, "convert"))?,
            );
        }
        let Some(g) = conv.as_mut() else {
            return Ok(());
        };
        g.push(frame).map_err(err(path, "convert"))?;
        let mut out = ff::frame::Audio::empty();
        while g.pull(&mut out).map_err(err(path, "convert"))? {
            let n = out.samples() * channels;
            let data = out.data(0);
            block.clear();
            block.extend((0..n).map(|k| {
                let b = &data[k * 4..k * 4 + 4];
                f32::from_ne_bytes([b[0], b[1], b[2], b[3]])
            }));
            f(first, &block);
        }
        Ok(())
    };
    let mut frame = ff::frame::Audio::empty();
    decode_all(&mut reader, index, &mut dec, &mut frame, |fr| handle(fr))?;
    Ok(Some((rate, channels)))
}

/// The best stream of `kind`: its index, its time base and a decoder for it (packet time base
/// set), or `None` when the file has no such stream.
fn best_decoder(
    reader: &Reader,
    kind: ff::media::Type,
) -> Result<Option<(usize, ff::Rational, ff::codec::decoder::Decoder)>, MediaError> {
    let Some(index) = reader.best(kind) else {
        return Ok(None);
    };
    let tb = reader
        .stream(index)
        .map_or(ff::Rational::new(1, 1), |s| s.time_base);
    let dec = reader
        .decoder(index, 1)
        .map_err(err(reader.path(), "open decoder"))?;
    Ok(Some((index, tb, dec)))
}

/// Decode every packet of stream `index` with `dec` into `frame`, handing each decoded frame to
/// `f`, then drain the decoder.
fn decode_all<F: std::ops::DerefMut<Target = ff::Frame>>(
    reader: &mut Reader,
    index: usize,
    dec: &mut ff::codec::decoder::Opened,
    frame: &mut F,
    mut f: impl FnMut(&mut F) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    let path = reader.path().to_path_buf();
    while let Some(packet) = reader.read_packet().map_err(err(&path, "read"))? {
        if packet.stream() != index {
            continue;
        }
        dec.send_packet(packet).map_err(err(&path, "decode"))?;
        drain(dec, frame, err(&path, "decode"), &mut f)?;
    }
    let _ = dec.send_eof();
    drain(dec, frame, err(&path, "decode"), f)
}

/// A subtitle stream of a file, as players see it.
#[derive(Debug, Clone)]
pub struct SubtitleStream {
    pub codec: String,
    pub language: Option<String>,
    pub title: Option<String>,
    pub default: bool,
    pub forced: bool,
    /// Cues: start and end (seconds), and the text (ASS markup as the decoder gives it).
    pub cues: Vec<(Rational, Rational, String)>,
}

/// Every subtitle stream of a file with its cues, decoded.
pub fn subtitle_streams(path: &Path) -> Result<Vec<SubtitleStream>, MediaError> {
    let mut reader = Reader::open(path)?;
    let mut streams: Vec<(
        usize,
        Rational,
        ff::codec::decoder::Subtitle,
        SubtitleStream,
    )> = Vec::new();
    for st in reader.input().streams() {
        if st.parameters().medium() != ff::media::Type::Subtitle {
            continue;
        }
        let tb = st.time_base();
        let ctx = ff::codec::context::Context::from_parameters(st.parameters())
            .map_err(err(path, "open subtitle decoder"))?;
        let dec = ctx
            .decoder()
            .subtitle()
            .map_err(err(path, "open subtitle decoder"))?;
        let meta = st.metadata();
        let disposition = st.disposition();
        streams.push((
            st.index(),
            Rational::new(tb.numerator() as i64, tb.denominator().max(1) as i64),
            dec,
            SubtitleStream {
                codec: st.parameters().id().name().to_string(),
                language: meta.get("language").map(String::from),
                title: meta
                    .get("title")
                    .or(meta.get("handler_name"))
                    .map(String::from),
                default: disposition.contains(ff::format::stream::Disposition::DEFAULT),
                forced: disposition.contains(ff::format::stream::Disposition::FORCED),
                cues: Vec::new(),
            },
        ));
    }
    while let Some(packet) = reader.read_packet().map_err(err(path, "read"))? {
        let Some((_, tb, dec, out)) = streams.iter_mut().find(|s| s.0 == packet.stream()) else {
            continue;
        };
        let (Some(pts), duration) = (packet.pts(), packet.duration()) else {
            continue;
        };
        let mut sub = ff::codec::subtitle::Subtitle::new();
        let got = dec
            .decode(packet, &mut sub)
            .map_err(err(path, "decode subtitle"))?;
        if !got {
            continue;
        }
        let text: Vec<String> = sub
            .rects()
            .filter_map(|r| match r {
                ff::codec::subtitle::Rect::Ass(a) => {
                    // "ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text"
                    a.get().splitn(9, ',').nth(8).map(String::from)
                }
                ff::codec::subtitle::Rect::Text(t) => Some(t.get().to_string()),
                _ => None,
            })
            .collect();
        // SAFETY: `sub` was filled by the decoder; avsubtitle_free releases its rects and
        // leaves it zeroed, and it is not used again.
        unsafe { ff::ffi::avsubtitle_free(sub.as_mut_ptr()) };
        if text.iter().all(|t| t.trim().is_empty()) {
            continue; // an empty sample (a gap between cues)
        }
        let start = *tb * pts;
        out.cues
            .push((start, start + *tb * duration, text.join("\\N")));
    }
    Ok(streams.into_iter().map(|s| s.3).collect())
}

/// Packets per stream (index → count), read without decoding: a video stream's packet count is
/// its frame count.
pub fn packet_counts(path: &Path) -> Result<Vec<(usize, u64)>, MediaError> {
    let mut reader = Reader::open(path)?;
    let mut counts: Vec<(usize, u64)> = reader.input().streams().map(|s| (s.index(), 0)).collect();
    while let Some(packet) = reader.read_packet().map_err(err(path, "read"))? {
        if let Some(c) = counts.iter_mut().find(|c| c.0 == packet.stream()) {
            c.1 += 1;
        }
    }
    Ok(counts)
}
