//! Synthetic media: clips generated from FFmpeg's lavfi source filters and written with
//! ffmpeg-next encoders. Used by `roughcut samples` and by the test suite.

use std::path::{Path, PathBuf};

use super::graph::{Graph, Medium};
use super::{init, received, MediaError};
use crate::time::Rational;
use ffmpeg_next as ff;

/// Picture of a synthetic clip.
#[derive(Debug, Clone)]
pub struct SynthVideo {
    /// A lavfi filter chain with no input that produces the picture at `rate` (e.g.
    /// `testsrc2=size=720x576:rate=25`). Format, length and SAR are appended by the writer.
    pub source: String,
    /// FFmpeg encoder name (`libx264`, `mpeg2video` …).
    pub encoder: String,
    /// Pixel format to encode (`yuv420p`, `gray` …).
    pub pix_fmt: String,
    pub width: u32,
    pub height: u32,
    /// Frame rate as (numerator, denominator).
    pub rate: (i32, i32),
    /// Sample aspect ratio as (numerator, denominator).
    pub sar: (i32, i32),
    /// `Some(true)` top field first, `Some(false)` bottom field first, `None` progressive.
    pub top_field_first: Option<bool>,
    /// `tv` or `pc`.
    pub range: &'static str,
    /// Colour matrix/primaries/transfer tag, e.g. `bt709`, `smpte170m`, `bt470bg`.
    pub colour: Option<&'static str>,
    /// Encoder private options (`crf`, `preset` …) and the bit rate (0 = encoder default).
    pub options: Vec<(String, String)>,
    pub bit_rate: usize,
    /// Keyframe interval in frames.
    pub gop: u32,
    /// The display matrix of an MP4/MOV file, written into the track header: how the stored
    /// picture is to be shown (`Orientation::clockwise(90)` is a phone held upright, which
    /// FFmpeg reports as a rotation of −90°).
    pub display_matrix: Option<crate::facts::Orientation>,
}

/// Sound of a synthetic clip.
#[derive(Debug, Clone)]
pub struct SynthAudio {
    /// A lavfi filter chain with no input that produces the sound (e.g. `sine=frequency=440`).
    pub source: String,
    /// FFmpeg encoder name (`aac`, `pcm_s16le` …).
    pub encoder: String,
    pub sample_rate: u32,
    /// FFmpeg channel layout name (`mono`, `stereo`, `5.1` …).
    pub layout: &'static str,
    pub bit_rate: usize,
}

/// A clip to write.
#[derive(Debug, Clone)]
pub struct SynthClip {
    pub path: PathBuf,
    /// Exact duration in seconds. The picture has `duration × rate` frames (rounded down).
    pub duration: Rational,
    pub video: Option<SynthVideo>,
    /// Audio streams, in order.
    pub audio: Vec<SynthAudio>,
    /// Container metadata (e.g. `title`).
    pub metadata: Vec<(String, String)>,
}

struct Track {
    graph: Graph,
    encoder: ff::encoder::Encoder,
    stream_index: usize,
    /// Encoder time base.
    tb: ff::Rational,
    done: bool,
    video: bool,
    /// Timestamp (in `tb`) of the next frame to encode.
    next_pts: i64,
}

fn io_err<'a>(path: &'a Path, stage: &'static str) -> impl Fn(ff::Error) -> MediaError + 'a {
    move |e| MediaError::write(path, stage, e)
}

fn source_graph(spec: &str, audio: bool, path: &Path) -> Result<Graph, MediaError> {
    let medium = if audio { Medium::Audio } else { Medium::Video };
    Graph::generator(medium, spec)
        .map_err(|e| MediaError::write(path, "filter graph", format!("{e} in `{spec}`")))
}

fn colour_tags(ctx: *mut ff::ffi::AVCodecContext, tag: &str, full_range: bool) {
    use ff::ffi::AVColorTransferCharacteristic as T;
    use ff::ffi::{AVColorPrimaries as P, AVColorRange as R, AVColorSpace as S};
    let (p, t, s) = match tag {
        "bt709" => (P::AVCOL_PRI_BT709, T::AVCOL_TRC_BT709, S::AVCOL_SPC_BT709),
        "smpte170m" => (
            P::AVCOL_PRI_SMPTE170M,
            T::AVCOL_TRC_SMPTE170M,
            S::AVCOL_SPC_SMPTE170M,
        ),
        "bt470bg" => (
            P::AVCOL_PRI_BT470BG,
            T::AVCOL_TRC_GAMMA28,
            S::AVCOL_SPC_BT470BG,
        ),
        _ => (
            P::AVCOL_PRI_UNSPECIFIED,
            T::AVCOL_TRC_UNSPECIFIED,
            S::AVCOL_SPC_UNSPECIFIED,
        ),
    };
    // SAFETY: `ctx` is a valid codec context not yet opened; these are plain enum fields.
    unsafe {
        (*ctx).color_primaries = p;
        (*ctx).color_trc = t;
        (*ctx).colorspace = s;
        (*ctx).color_range = if full_range {
            R::AVCOL_RANGE_JPEG
        } else {
            R::AVCOL_RANGE_MPEG
        };
    }
}

fn threading(threads: usize) -> ff::codec::threading::Config {
    ff::codec::threading::Config {
        kind: ff::codec::threading::Type::Frame,
        count: threads.max(1),
        ..Default::default()
    }
}

/// Write `clip` to its path. The file is complete when this returns `Ok`.
/// `threads`: encoder threads (the caller's budget; the bytes may depend on it).
pub fn write(clip: &SynthClip, threads: usize) -> Result<(), MediaError> {
    init();
    let path = clip.path.as_path();
    let path_str = super::output_path(path)?;
    let mut octx = ff::format::output(&path_str).map_err(io_err(path, "create output"))?;
    let out = Out {
        path,
        global_header: octx
            .format()
            .flags()
            .contains(ff::format::Flags::GLOBAL_HEADER),
        threads,
        duration: clip.duration,
    };
    let mut tracks: Vec<Track> = Vec::new();
    if let Some(v) = &clip.video {
        tracks.push(video_track(&mut octx, &out, v)?);
    }
    for a in &clip.audio {
        tracks.push(audio_track(&mut octx, &out, a)?);
    }
    let mut meta = ff::Dictionary::new();
    for (k, v) in &clip.metadata {
        meta.set(k, v);
    }
    octx.set_metadata(meta);
    // Bit-exact muxing: the same clip is the same bytes on every run (source identities and
    // cache keys depend on them).
    super::encode::bitexact_muxer(&mut octx);
    octx.write_header().map_err(io_err(path, "write header"))?;
    interleave(&mut octx, &mut tracks, path)?;
    octx.write_trailer()
        .map_err(io_err(path, "write trailer"))?;
    drop(octx);
    if let Some(o) = clip.video.as_ref().and_then(|v| v.display_matrix) {
        set_track_matrix(path, o).map_err(|e| MediaError::write(path, "display matrix", e))?;
    }
    Ok(())
}

/// What every track of the file being written shares.
struct Out<'a> {
    path: &'a Path,
    /// Whether the muxer wants the parameter sets out of band.
    global_header: bool,
    threads: usize,
    duration: Rational,
}

/// The picture's generator graph, encoder and stream.
fn video_track(
    octx: &mut ff::format::context::Output,
    out: &Out,
    v: &SynthVideo,
) -> Result<Track, MediaError> {
    let path = out.path;
    let frames = (out.duration * Rational::new(v.rate.0 as i64, v.rate.1 as i64)).to_integer();
    let spec = format!(
        "{},format={},setsar={}/{},trim=end_frame={}",
        v.source, v.pix_fmt, v.sar.0, v.sar.1, frames
    );
    let graph = source_graph(&spec, false, path)?;
    let codec = ff::encoder::find_by_name(&v.encoder).ok_or_else(|| {
        MediaError::write(path, "video encoder", format!("no `{}` encoder", v.encoder))
    })?;
    let pix: ff::format::Pixel = v.pix_fmt.parse().map_err(|_| {
        MediaError::write(
            path,
            "video encoder",
            format!("unknown pixel format {}", v.pix_fmt),
        )
    })?;
    let stream_index = octx
        .add_stream(codec)
        .map_err(io_err(path, "add video stream"))?
        .index();
    let mut ctx = ff::codec::context::Context::new_with_codec(codec);
    ctx.set_threading(threading(out.threads));
    let mut enc = ctx
        .encoder()
        .video()
        .map_err(io_err(path, "video encoder"))?;
    let tb = ff::Rational::new(v.rate.1, v.rate.0);
    enc.set_width(v.width);
    enc.set_height(v.height);
    enc.set_format(pix);
    enc.set_time_base(tb);
    enc.set_frame_rate(Some(ff::Rational::new(v.rate.0, v.rate.1)));
    enc.set_aspect_ratio(ff::Rational::new(v.sar.0, v.sar.1));
    enc.set_gop(v.gop);
    if v.bit_rate > 0 {
        enc.set_bit_rate(v.bit_rate);
    }
    describe_picture(&mut enc, v, out.global_header);
    let mut opts = ff::Dictionary::new();
    for (k, val) in &v.options {
        opts.set(k, val);
    }
    let encoder = enc
        .open_with(opts)
        .map_err(io_err(path, "open video encoder"))?;
    if let Some(mut ost) = octx.stream_mut(stream_index) {
        ost.set_parameters(&encoder);
        // SAFETY: the stream pointer is valid while `octx` lives; SAR is a plain field.
        unsafe {
            (*ost.as_mut_ptr()).sample_aspect_ratio = ff::ffi::AVRational {
                num: v.sar.0,
                den: v.sar.1,
            };
        }
        ost.set_time_base(tb);
    }
    Ok(Track {
        graph,
        encoder: encoder.0 .0,
        stream_index,
        tb,
        done: false,
        video: true,
        next_pts: 0,
    })
}

/// The picture's flags, colour tags and field order on an unopened encoder.
fn describe_picture(enc: &mut ff::encoder::video::Video, v: &SynthVideo, global_header: bool) {
    if global_header {
        enc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    // SAFETY: the pointer comes from a live, unopened encoder context owned here.
    let ctx_ptr = unsafe { enc.as_mut_ptr() };
    colour_tags(ctx_ptr, v.colour.unwrap_or(""), v.range == "pc");
    if v.top_field_first.is_none() {
        // SAFETY: plain enum field of a valid, unopened codec context.
        unsafe {
            (*enc.as_mut_ptr()).field_order = ff::ffi::AVFieldOrder::AV_FIELD_PROGRESSIVE;
        }
    }
    if let Some(tff) = v.top_field_first {
        let mut flags = ff::codec::Flags::INTERLACED_DCT | ff::codec::Flags::INTERLACED_ME;
        if global_header {
            flags |= ff::codec::Flags::GLOBAL_HEADER;
        }
        enc.set_flags(flags);
        // SAFETY: plain enum field of a valid, unopened codec context.
        unsafe {
            (*enc.as_mut_ptr()).field_order = if tff {
                ff::ffi::AVFieldOrder::AV_FIELD_TT
            } else {
                ff::ffi::AVFieldOrder::AV_FIELD_BB
            };
        }
    }
}

/// One sound stream's generator graph, encoder and stream.
fn audio_track(
    octx: &mut ff::format::context::Output,
    out: &Out,
    a: &SynthAudio,
) -> Result<Track, MediaError> {
    let path = out.path;
    let codec = ff::encoder::find_by_name(&a.encoder).ok_or_else(|| {
        MediaError::write(path, "audio encoder", format!("no `{}` encoder", a.encoder))
    })?;
    let sample_fmt = super::encode::preferred_sample_format(codec);
    let fmt_name = sample_fmt.name();
    let samples = (out.duration * Rational::from_integer(a.sample_rate as i64)).to_integer();
    let spec = format!(
        "{},aformat=sample_fmts={}:sample_rates={}:channel_layouts={},atrim=end_sample={}",
        a.source, fmt_name, a.sample_rate, a.layout, samples
    );
    let mut graph = source_graph(&spec, true, path)?;
    let stream_index = octx
        .add_stream(codec)
        .map_err(io_err(path, "add audio stream"))?
        .index();
    let mut ctx = ff::codec::context::Context::new_with_codec(codec);
    ctx.set_threading(threading(out.threads));
    let mut enc = ctx
        .encoder()
        .audio()
        .map_err(io_err(path, "audio encoder"))?;
    let tb = ff::Rational::new(1, a.sample_rate as i32);
    enc.set_rate(a.sample_rate as i32);
    enc.set_format(sample_fmt);
    super::encode::set_default_layout(&mut enc, super::layout::channels(a.layout).unwrap_or(2));
    enc.set_time_base(tb);
    if a.bit_rate > 0 {
        enc.set_bit_rate(a.bit_rate);
    }
    if out.global_header {
        enc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    let encoder = enc.open().map_err(io_err(path, "open audio encoder"))?;
    let variable = codec
        .capabilities()
        .contains(ff::codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE);
    if !variable && encoder.frame_size() > 0 {
        graph.set_frame_size(encoder.frame_size());
    }
    if let Some(mut ost) = octx.stream_mut(stream_index) {
        ost.set_parameters(&encoder);
        ost.set_time_base(tb);
    }
    Ok(Track {
        graph,
        encoder: encoder.0 .0,
        stream_index,
        tb,
        done: false,
        video: false,
        next_pts: 0,
    })
}

/// Generate, encode and write every track, always advancing the track that is furthest behind.
fn interleave(
    octx: &mut ff::format::context::Output,
    tracks: &mut [Track],
    path: &Path,
) -> Result<(), MediaError> {
    loop {
        let next = tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.done)
            .min_by_key(|(_, t)| {
                Rational::new(t.next_pts, 1)
                    * Rational::new(t.tb.numerator() as i64, t.tb.denominator() as i64)
            })
            .map(|(i, _)| i);
        let Some(i) = next else { break };
        let track = &mut tracks[i];
        // A video frame wrapper allocates a plain AVFrame; the buffersink fills it with either
        // picture or sound.
        let mut frame = ff::frame::Video::empty();
        let got = track
            .graph
            .pull(&mut frame)
            .map_err(io_err(path, "generate"))?;
        match got {
            true => {
                frame.set_pts(Some(track.next_pts));
                // SAFETY: `frame` holds a valid AVFrame returned by the buffersink.
                let count = unsafe {
                    let f = frame.as_ptr();
                    if (*f).nb_samples > 0 {
                        (*f).nb_samples as i64
                    } else {
                        1
                    }
                };
                // Let the encoder choose frame types (the filter may have set one).
                // SAFETY: plain enum field of a valid frame.
                unsafe {
                    (*frame.as_mut_ptr()).pict_type = ff::ffi::AVPictureType::AV_PICTURE_TYPE_NONE;
                }
                track.next_pts += count;
                track
                    .encoder
                    .send_frame(&frame)
                    .map_err(io_err(path, "encode"))?;
            }
            _ => {
                track.encoder.send_eof().map_err(io_err(path, "encode"))?;
                track.done = true;
            }
        }
        drain(track, octx, path)?;
    }
    Ok(())
}

/// Write an orientation into the (first) `tkhd` box of an MP4/MOV file: the display matrix
/// FFmpeg reads back as the stream's (a, b, u, c, d, v, x, y, w; 16.16 and 2.30 fixed point).
fn set_track_matrix(path: &Path, o: crate::facts::Orientation) -> std::io::Result<()> {
    let mut data = std::fs::read(path)?;
    let matrix = o.matrix();
    let at = data
        .windows(4)
        .position(|w| w == b"tkhd")
        .ok_or_else(|| std::io::Error::other("no tkhd box"))?;
    // After the type: version/flags (4), times, track id, reserved and duration (20 bytes in
    // version 0, 32 in version 1), reserved (8), layer, group, volume, reserved (8): the matrix.
    let version = data.get(at + 4).copied().unwrap_or(0);
    let offset = at + 4 + 4 + if version == 1 { 32 } else { 20 } + 8 + 8;
    if offset + 36 > data.len() {
        return Err(std::io::Error::other("tkhd box is too short"));
    }
    for (i, v) in matrix.iter().enumerate() {
        data[offset + i * 4..offset + i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    std::fs::write(path, data)
}

fn drain(
    track: &mut Track,
    octx: &mut ff::format::context::Output,
    path: &Path,
) -> Result<(), MediaError> {
    let mut packet = ff::Packet::empty();
    let ost_tb = octx
        .stream(track.stream_index)
        .map(|s| s.time_base())
        .unwrap_or(track.tb);
    while received(track.encoder.receive_packet(&mut packet)).map_err(io_err(path, "encode"))? {
        packet.set_stream(track.stream_index);
        if track.video && packet.duration() == 0 {
            // One frame in the encoder's 1/fps time base (not every FFmpeg sets it).
            packet.set_duration(1);
        }
        packet.rescale_ts(track.tb, ost_tb);
        packet
            .write_interleaved(octx)
            .map_err(io_err(path, "write packet"))?;
    }
    Ok(())
}
