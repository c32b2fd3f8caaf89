//! Read media facts from a file through FFmpeg.

use std::ffi::CStr;
use std::os::raw::c_char;
use std::path::Path;

use super::reader::Reader;
use super::{received, MediaError};
use crate::colour_class::classify;
use crate::facts::{
    AudioFacts, ColourAnalysis, ColourVerdict, MediaFacts, Ratio, StreamFacts, VideoFacts,
    COLOUR_FRAMES,
};
use crate::time::{format_seconds, Rational};
use ffmpeg_next as ff;

/// How many video packets are read to judge whether the frame rate is variable.
const VFR_PACKETS: usize = 120;
/// How many video frames are decoded to read the interlacing flags.
const FLAG_FRAMES: usize = 3;
/// Packets at the end of the scanned range whose B-frames may not have been read yet.
const REORDER_SLACK: usize = 8;

fn cstr(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: FFmpeg's name functions return static NUL-terminated strings or null (checked).
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

fn rational(r: ff::Rational) -> Option<Rational> {
    if r.denominator() == 0 || r.numerator() <= 0 || r.denominator() < 0 {
        None
    } else {
        Some(Rational::new(r.numerator() as i64, r.denominator() as i64))
    }
}

fn field_order_name(fo: ff::ffi::AVFieldOrder) -> &'static str {
    use ff::ffi::AVFieldOrder::*;
    match fo {
        AV_FIELD_PROGRESSIVE => "progressive",
        AV_FIELD_TT => "tt",
        AV_FIELD_BB => "bb",
        AV_FIELD_TB => "tb",
        AV_FIELD_BT => "bt",
        _ => "unknown",
    }
}

/// The name and bit depth of the pixel format whose number is `value`, if this FFmpeg has one.
/// The number comes from a file: it is matched against FFmpeg's own descriptors, never cast
/// into the enum (a value outside it would be undefined behaviour).
fn pixel_format(value: i32) -> Option<(String, u32)> {
    let mut desc: *const ff::ffi::AVPixFmtDescriptor = std::ptr::null();
    loop {
        // SAFETY: av_pix_fmt_desc_next walks FFmpeg's static descriptor table, starting from null
        // and returning null after the last; each descriptor lives for the whole process.
        desc = unsafe { ff::ffi::av_pix_fmt_desc_next(desc) };
        if desc.is_null() {
            return None;
        }
        // SAFETY: `desc` is a non-null descriptor from that table.
        let id = unsafe { ff::ffi::av_pix_fmt_desc_get_id(desc) };
        if id as i32 == value {
            // SAFETY: as above; its name is a static NUL-terminated string.
            let (name, depth) = unsafe { (cstr((*desc).name), (*desc).comp[0].depth) };
            return Some((
                name.unwrap_or_else(|| "unknown".into()),
                depth.max(0) as u32,
            ));
        }
    }
}

/// The name of the sample format whose number is `value`, if it is one FFmpeg's headers list
/// (matched, not cast: see [`pixel_format`]).
fn sample_format(value: i32) -> Option<String> {
    use ff::ffi::AVSampleFormat as S;
    const ALL: [S; 12] = [
        S::AV_SAMPLE_FMT_U8,
        S::AV_SAMPLE_FMT_S16,
        S::AV_SAMPLE_FMT_S32,
        S::AV_SAMPLE_FMT_FLT,
        S::AV_SAMPLE_FMT_DBL,
        S::AV_SAMPLE_FMT_U8P,
        S::AV_SAMPLE_FMT_S16P,
        S::AV_SAMPLE_FMT_S32P,
        S::AV_SAMPLE_FMT_FLTP,
        S::AV_SAMPLE_FMT_DBLP,
        S::AV_SAMPLE_FMT_S64,
        S::AV_SAMPLE_FMT_S64P,
    ];
    let format = ALL.into_iter().find(|f| *f as i32 == value)?;
    // SAFETY: `format` is a valid enum value; the function returns a static string or null.
    cstr(unsafe { ff::ffi::av_get_sample_fmt_name(format) })
}

/// Probe `path`: container, streams, and for the first video stream the flags of its first frames.
pub(crate) fn probe(path: &Path) -> Result<MediaFacts, MediaError> {
    let mut reader = Reader::open(path)?;
    let ictx = reader.input();
    let size_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let container = ictx.format().name().to_string();
    let duration = if ictx.duration() > 0 {
        Some(Rational::new(ictx.duration(), ff::ffi::AV_TIME_BASE as i64))
    } else {
        None
    };
    // Container tags worth carrying into transcodes: when it was shot, its timecode.
    let mut tags: Vec<(String, String)> = ictx
        .metadata()
        .iter()
        // Matroska writes its tags in capitals (`TIMECODE`).
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .filter(|(k, _)| matches!(k.as_str(), "creation_time" | "timecode" | "date"))
        .collect();
    let chapters = chapters(ictx);
    let mut streams = Vec::new();
    for st in ictx.streams() {
        if let Some(tc) = st.metadata().get("timecode") {
            if !tags.iter().any(|(k, _)| k == "timecode") {
                tags.push(("timecode".to_string(), tc.to_string()));
            }
        }
        streams.push(stream_facts(&st, path, &container));
    }
    let first_video = streams.iter().find(|s| s.video.is_some()).map(|s| s.index);
    check_caps(path, &streams)?;
    if let Some(vi) = first_video {
        scan_first_video(&mut reader, vi, path, &mut streams, duration)?;
    }
    Ok(MediaFacts {
        path: path.display().to_string(),
        container,
        duration: duration.map(Ratio),
        duration_text: duration.map(format_seconds),
        size_bytes,
        streams,
        colour: None,
        tags,
        chapters,
    })
}

/// The container's chapters, in seconds.
fn chapters(ictx: &ff::format::context::Input) -> Vec<crate::facts::ChapterFacts> {
    ictx.chapters()
        .filter_map(|c| {
            let tb = rational(c.time_base())?;
            Some(crate::facts::ChapterFacts {
                start: Ratio(tb * c.start()),
                end: Ratio(tb * c.end()),
                title: c.metadata().get("title").unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// What the header says about one stream.
fn stream_facts(st: &ff::format::stream::Stream, path: &Path, container: &str) -> StreamFacts {
    let params = st.parameters();
    let tb = rational(st.time_base()).unwrap_or(Rational::new(1, 1));
    let st_duration = if st.duration() > 0 {
        Some(Ratio(tb * st.duration()))
    } else {
        None
    };
    // SAFETY: `params` wraps the stream's AVCodecParameters, valid while the input lives;
    // we only read plain fields.
    let p = unsafe { &*params.as_ptr() };
    // SAFETY: avcodec_get_name accepts any codec id and returns a static string.
    let mut codec =
        cstr(unsafe { ff::ffi::avcodec_get_name(p.codec_id) }).unwrap_or_else(|| "unknown".into());
    if codec == "none" && p.codec_tag != 0 {
        // A stream no decoder reads (a QuickTime timecode track): its four-character tag.
        codec = p
            .codec_tag
            .to_le_bytes()
            .iter()
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
            .collect();
    }
    let kind = match params.medium() {
        ff::media::Type::Video => "video",
        ff::media::Type::Audio => "audio",
        ff::media::Type::Subtitle => "subtitle",
        ff::media::Type::Data => "data",
        ff::media::Type::Attachment => "attachment",
        _ => "unknown",
    };
    let (video, audio) = match params.medium() {
        ff::media::Type::Video => (Some(video_facts(st, p, path, container)), None),
        ff::media::Type::Audio => (None, Some(audio_facts(p))),
        _ => (None, None),
    };
    StreamFacts {
        index: st.index(),
        kind: kind.to_string(),
        codec,
        time_base: Ratio(tb),
        duration: st_duration,
        language: st.metadata().get("language").map(|s| s.to_string()),
        video,
        audio,
    }
}

/// A video stream's header: size, aspect, rates, field order, pixel format, colour tags and
/// orientation. (Frame-rate variability and the frames' own flags are read by
/// [`scan_video`].)
fn video_facts(
    st: &ff::format::stream::Stream,
    p: &ff::ffi::AVCodecParameters,
    path: &Path,
    container: &str,
) -> VideoFacts {
    let (pix_name, bit_depth) = pixel_format(p.format).unwrap_or_else(|| ("unknown".into(), 0));
    let sar = rational(ff::Rational::from(p.sample_aspect_ratio)).unwrap_or(Rational::new(1, 1));
    let (w, h) = (p.width.max(0) as u32, p.height.max(0) as u32);
    let dar = if h > 0 {
        sar * Rational::new(w as i64, h as i64)
    } else {
        Rational::new(1, 1)
    };
    // SAFETY: the name functions accept any enum value and return static strings or null.
    let (range, matrix, prim, trc) = unsafe {
        (
            cstr(ff::ffi::av_color_range_name(p.color_range)),
            cstr(ff::ffi::av_color_space_name(p.color_space)),
            cstr(ff::ffi::av_color_primaries_name(p.color_primaries)),
            cstr(ff::ffi::av_color_transfer_name(p.color_trc)),
        )
    };
    let (mut rotation, mut mirrored, mut orientation) = display_matrix(st);
    // A JPEG photograph says how to turn it in its EXIF data, which FFmpeg 5.1 does not turn
    // into a display matrix.
    if container == "jpeg_pipe" && orientation == crate::facts::Orientation::UPRIGHT {
        if let Some(o) = exif_orientation(path) {
            // Reported as if the file carried that display matrix.
            (rotation, mirrored, orientation) = matrix_facts(&o.matrix());
        }
    }
    VideoFacts {
        width: w,
        height: h,
        sar: Ratio(sar),
        dar: Ratio(dar),
        frame_rate: rational(st.rate()).map(Ratio),
        avg_frame_rate: rational(st.avg_frame_rate()).map(Ratio),
        variable_frame_rate: false,
        frames: if st.frames() > 0 {
            Some(st.frames())
        } else {
            None
        },
        field_order: field_order_name(p.field_order).to_string(),
        frames_interlaced: false,
        top_field_first: None,
        pix_fmt: pix_name,
        bit_depth,
        color_range: range.unwrap_or_else(|| "unknown".into()),
        color_matrix: matrix.unwrap_or_else(|| "unknown".into()),
        color_primaries: prim.unwrap_or_else(|| "unknown".into()),
        color_transfer: trc.unwrap_or_else(|| "unknown".into()),
        rotation,
        orientation,
        mirrored,
    }
}

/// An audio stream's header: rate, channels, layout, sample format.
fn audio_facts(p: &ff::ffi::AVCodecParameters) -> AudioFacts {
    AudioFacts {
        sample_rate: p.sample_rate.max(0) as u32,
        channels: p.ch_layout.nb_channels.max(0) as u32,
        layout: super::layout::describe(&p.ch_layout),
        sample_fmt: sample_format(p.format).unwrap_or_else(|| "unknown".into()),
    }
}

/// Resource caps, before any picture or sound is decoded: a header can claim anything.
fn check_caps(path: &Path, streams: &[StreamFacts]) -> Result<(), MediaError> {
    for st in streams {
        if let Some(v) = &st.video {
            if v.width > MAX_SIDE || v.height > MAX_SIDE {
                return Err(MediaError::Unreadable {
                    path: path.display().to_string(),
                    reason: format!(
                        "stream {} claims pictures of {}x{}; roughcut refuses pictures over {MAX_SIDE} pixels on a side (a damaged or hostile header, or a format to scale down first)",
                        st.index, v.width, v.height
                    ),
                });
            }
        }
        if let Some(a) = &st.audio {
            if a.sample_rate > MAX_SAMPLE_RATE || a.channels > MAX_CHANNELS {
                return Err(MediaError::Unreadable {
                    path: path.display().to_string(),
                    reason: format!(
                        "stream {} claims {} Hz sound in {} channels; roughcut refuses more than {MAX_SAMPLE_RATE} Hz or {MAX_CHANNELS} channels (a damaged or hostile header)",
                        st.index, a.sample_rate, a.channels
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The first video stream's packets and first frames read: whether its frame rate varies,
/// its frames' interlacing flags, and its real end where the header claims more.
fn scan_first_video(
    reader: &mut Reader,
    vi: usize,
    path: &Path,
    streams: &mut [StreamFacts],
    duration: Option<Rational>,
) -> Result<(), MediaError> {
    let (vfr, interlaced, tff) = scan_video(reader, vi, path)?;
    let Some(st) = streams.iter_mut().find(|s| s.index == vi) else {
        return Ok(());
    };
    if let Some(v) = st.video.as_mut() {
        v.variable_frame_rate = vfr;
        v.frames_interlaced = interlaced;
        v.top_field_first = tff;
    }
    // A damaged file may claim more than it holds (a truncated Matroska file keeps its
    // header's Duration): the picture's real end is read from the file's tail, and a claim
    // more than a second beyond it is replaced by it — measured, not trusted.
    if let Some(claimed) = st.duration.map(|d| d.0).or(duration) {
        if let Some(end) = measured_end(reader, vi, claimed) {
            if claimed - end > Rational::from_integer(1) {
                st.duration = Some(Ratio(end));
            }
        }
    }
    Ok(())
}

/// Display rotation (degrees, as FFmpeg reports it, rounded), mirroring and the orientation from
/// the stream's display matrix side data.
fn display_matrix(st: &ff::format::stream::Stream) -> (i32, bool, crate::facts::Orientation) {
    for sd in st.side_data() {
        if sd.kind() != ff::codec::packet::side_data::Type::DisplayMatrix {
            continue;
        }
        let data = sd.data();
        if data.len() < 36 {
            continue;
        }
        let mut m = [0i32; 9];
        for (i, v) in m.iter_mut().enumerate() {
            let mut b = [0u8; 4];
            b.copy_from_slice(&data[i * 4..i * 4 + 4]);
            *v = i32::from_ne_bytes(b);
        }
        return matrix_facts(&m);
    }
    (0, false, crate::facts::Orientation::UPRIGHT)
}

/// Rotation (degrees counter-clockwise, as FFmpeg reports it, rounded), mirroring and the
/// orientation a display matrix stands for.
fn matrix_facts(m: &[i32; 9]) -> (i32, bool, crate::facts::Orientation) {
    // SAFETY: `m` is a 9-element i32 display matrix, as av_display_rotation_get expects.
    let deg = unsafe { ff::ffi::av_display_rotation_get(m.as_ptr()) };
    let det = (m[0] as i64) * (m[4] as i64) - (m[1] as i64) * (m[3] as i64);
    let rot = if deg.is_nan() {
        0
    } else {
        (deg.round() as i32).rem_euclid(360)
    };
    (rot, det < 0, crate::facts::Orientation::from_matrix(m))
}

/// The orientation a JPEG's EXIF `Orientation` tag asks for (1 to 8; `None` without one).
fn exif_orientation(path: &Path) -> Option<crate::facts::Orientation> {
    use crate::facts::Orientation as O;
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::new(file);
    let exif = exif::Reader::new().read_from_container(&mut reader).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = field.value.get_uint(0)?;
    // EXIF's eight values: 1 as stored; 2 mirrored; 3 half a turn; 4 mirrored top to bottom;
    // 5 transposed; 6 a quarter turn clockwise; 7 transversed; 8 a quarter turn back.
    Some(match value {
        2 => O::FLIP_H,
        3 => O::clockwise(180),
        4 => O::FLIP_V,
        5 => O::FLIP_H.then(O::clockwise(270)),
        6 => O::clockwise(90),
        7 => O::FLIP_H.then(O::clockwise(90)),
        8 => O::clockwise(270),
        _ => O::UPRIGHT,
    })
}

/// Read the first packets of the video stream: are their timestamps evenly spaced, and do the
/// first decoded frames carry the interlaced flag (and which field comes first)?
fn scan_video(
    reader: &mut Reader,
    index: usize,
    path: &Path,
) -> Result<(bool, bool, Option<bool>), MediaError> {
    if reader.stream(index).is_none() {
        return Ok((false, false, None));
    }
    let mut decoder = reader
        .decoder(index, 1)
        .and_then(|d| d.video())
        .map_err(|e| MediaError::read(path, "open video decoder", e))?;
    let mut pts_list: Vec<i64> = Vec::new();
    let mut frames_seen = 0usize;
    let mut interlaced = false;
    let mut tff = None;
    let mut frame = ff::frame::Video::empty();
    let mut at_eof = false;
    while pts_list.len() < VFR_PACKETS {
        // A read error after the header: the file is damaged; say so at probe time.
        let packet = match reader.read_packet() {
            Ok(Some(p)) => p,
            Ok(None) => {
                at_eof = true;
                break;
            }
            Err(e) => return Err(MediaError::read(path, "read packets", e)),
        };
        if packet.stream() != index {
            continue;
        }
        if let Some(p) = packet.pts() {
            pts_list.push(p);
        }
        // A packet or picture the decoder fails on is passed over: the flags are read from the
        // first pictures that decode (a damaged one is reported when it is rendered).
        if frames_seen < FLAG_FRAMES && decoder.send_packet(packet).is_ok() {
            while let Ok(true) = received(decoder.receive_frame(&mut frame)) {
                frames_seen += 1;
                if frame.is_interlaced() {
                    interlaced = true;
                    tff = Some(frame.is_top_first());
                }
            }
        }
    }
    pts_list.sort_unstable();
    pts_list.dedup();
    if !at_eof {
        // Frames are stored in decode order: the last packets read may be reference frames whose
        // B-frames were not read yet. Judge only the range that is complete.
        pts_list.truncate(pts_list.len().saturating_sub(REORDER_SLACK));
    }
    let deltas: Vec<i64> = pts_list.windows(2).map(|w| w[1] - w[0]).collect();
    let vfr = match (deltas.iter().min(), deltas.iter().max()) {
        // Allow ±1 tick of rounding jitter (e.g. 1001/30000 in a 1/1000 time base).
        (Some(&lo), Some(&hi)) => hi - lo > 1,
        _ => false,
    };
    Ok((vfr, interlaced, tff))
}

/// Packets read from the tail before giving up on finding the stream there.
const TAIL_PACKETS: usize = 4096;

/// Where stream `index`'s packets really end (seconds from its origin): read from two seconds
/// before the `claimed` end, or — when nothing is there (the file stops short) — from the
/// start, demuxing only. `None` when no packet has a time.
fn measured_end(reader: &mut Reader, index: usize, claimed: Rational) -> Option<Rational> {
    let info = reader.stream(index)?;
    let scan = |reader: &mut Reader, limit: usize| -> Option<Rational> {
        let mut end: Option<Rational> = None;
        for _ in 0..limit {
            let Ok(Some(p)) = reader.read_packet() else {
                break;
            };
            if p.stream() != index {
                continue;
            }
            if let Some(ts) = p.pts().or(p.dts()) {
                let t = info.seconds(ts + p.duration().max(0));
                end = Some(end.map_or(t, |e: Rational| e.max(t)));
            }
        }
        end
    };
    let near = (claimed - Rational::from_integer(2)).max(Rational::from_integer(0));
    let tail = reader
        .seek(info.origin + near)
        .ok()
        .and_then(|()| scan(reader, TAIL_PACKETS));
    match tail {
        Some(end) => Some(end),
        None => {
            reader.seek(info.origin).ok()?;
            scan(reader, usize::MAX)
        }
    }
}

/// The largest picture side roughcut opens (FFmpeg's own limit is far larger: a header claiming
/// 60,000 × 60,000 would have the decoders allocate gigabytes).
pub(crate) const MAX_SIDE: u32 = 16_384;
/// The highest sample rate roughcut opens.
pub(crate) const MAX_SAMPLE_RATE: u32 = 384_000;
/// The most sound channels roughcut opens.
pub(crate) const MAX_CHANNELS: u32 = 64;

/// Probe one file: container and stream facts, then the colour class of its first video stream
/// (gray pixel formats are black-and-white without measuring).
/// `threads`: decoder threads for the colour measurement.
pub fn probe_file(path: &Path, threads: usize) -> Result<MediaFacts, MediaError> {
    let mut facts = probe(path)?;
    let first_video = facts
        .streams
        .iter()
        .find_map(|s| s.video.as_ref().map(|v| (s.index, v.pix_fmt.clone())));
    if let Some((index, pix_fmt)) = first_video {
        facts.colour = if pix_fmt.starts_with("gray") || pix_fmt.starts_with("ya") {
            Some(ColourAnalysis {
                class: ColourVerdict::Bw,
                method: crate::facts::ColourMethod::PixelFormat,
                frames: 0,
                cast_u: 0.0,
                cast_v: 0.0,
                chroma_spread: 0.0,
                coherent_chroma: 0.0,
                noise_in_blocks: 0.0,
                strong_chroma: 0.0,
                fringe_share: 0.0,
                hue_spread: 0.0,
                plane_shift: 0.0,
                plane_shift_px: [0; 4],
                luma_black_u: 0.0,
                luma_black_v: 0.0,
                luma_grey_u: 0.0,
                luma_grey_v: 0.0,
                tone: None,
                reason: format!("`{pix_fmt}` pictures have no chroma"),
            })
        } else {
            let duration = facts.usable_duration().unwrap_or(Rational::from_integer(0));
            let frames =
                super::colour::measure_chroma(path, index, duration, COLOUR_FRAMES, threads)?;
            (!frames.is_empty()).then(|| classify(&frames))
        };
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_files_are_matched_not_cast() {
        assert_eq!(
            pixel_format(ff::ffi::AVPixelFormat::AV_PIX_FMT_YUV420P as i32),
            Some(("yuv420p".into(), 8))
        );
        assert_eq!(
            pixel_format(ff::ffi::AVPixelFormat::AV_PIX_FMT_YUV422P10LE as i32),
            Some(("yuv422p10le".into(), 10))
        );
        // Values a damaged or future file could hold: no such format, no undefined behaviour.
        for v in [-1, -7, 100_000, i32::MAX, i32::MIN] {
            assert_eq!(pixel_format(v), None, "{v}");
            assert_eq!(sample_format(v), None, "{v}");
        }
        assert_eq!(
            sample_format(ff::ffi::AVSampleFormat::AV_SAMPLE_FMT_FLTP as i32).as_deref(),
            Some("fltp")
        );
    }
}
