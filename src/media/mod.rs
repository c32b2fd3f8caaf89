//! The media layer: the only module that talks to FFmpeg (through `ffmpeg-next`).
//!
//! Everything above this module sees plain Rust data ([`crate::facts::MediaFacts`],
//! [`synth::SynthClip`], …). All `unsafe` code of the project lives here, each block with a
//! `// SAFETY:` line.

pub(crate) mod assemble;
pub(crate) mod colour;
pub(crate) mod encode;
pub mod graph;
pub mod image;
pub(crate) mod layout;
pub mod loudness;
pub mod measure;
pub(crate) mod overlay;
pub(crate) mod packets;
pub mod probe;
pub(crate) mod reader;
pub(crate) mod segment;
pub(crate) mod sound_only;
pub(crate) mod subtitle;
pub mod synth;

use std::path::{Path, PathBuf};
use std::sync::Once;

use ffmpeg_next as ff;

/// Errors of the media layer. Each names the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The path names an FFmpeg protocol or a non-local resource.
    #[error("{path}: only local files can be used as sources; `{scheme}` names an FFmpeg protocol or a URL, which roughcut refuses (nothing was fetched)")]
    NotLocal { path: String, scheme: String },
    /// The path cannot be handed to FFmpeg (not UTF-8, or contains a NUL byte).
    #[error("{path}: the path is not valid UTF-8 or contains a NUL byte; rename the file")]
    BadPath { path: String },
    /// The file does not exist or cannot be read.
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    /// The container format is one that opens other files or resources.
    #[error("{path}: the `{format}` format opens other files or URLs and is refused for safety; convert the media to an ordinary file first")]
    RefusedFormat { path: String, format: String },
    /// FFmpeg failed while reading a file: opening it, reading its packets, decoding or
    /// measuring them (`stage` says which).
    #[error("{path}: FFmpeg cannot read this file ({stage}): {source}")]
    Read {
        path: String,
        stage: &'static str,
        #[source]
        source: Cause,
    },
    /// Writing a file failed: filtering or encoding what goes into it, or muxing it (`stage`
    /// says which).
    #[error("{path}: cannot write this file ({stage}): {source}")]
    Write {
        path: String,
        stage: &'static str,
        #[source]
        source: Cause,
    },
    /// Making a picture in memory failed (a review still, a thumbnail, a contact sheet: no file
    /// is read or written at that step).
    #[error("cannot make the picture ({stage}): {source}")]
    Picture {
        stage: &'static str,
        #[source]
        source: Cause,
    },
}

/// Why FFmpeg (or roughcut, on what FFmpeg gave) failed: FFmpeg's own error, or a sentence.
pub(crate) type Cause = Box<dyn std::error::Error + Send + Sync>;

impl MediaError {
    /// Reading `path` failed at `stage`.
    pub fn read(path: &Path, stage: &'static str, err: impl Into<Cause>) -> MediaError {
        MediaError::Read {
            path: path.display().to_string(),
            stage,
            source: err.into(),
        }
    }
    /// Writing `path` failed at `stage`.
    pub fn write(path: &Path, stage: &'static str, err: impl Into<Cause>) -> MediaError {
        MediaError::Write {
            path: path.display().to_string(),
            stage,
            source: err.into(),
        }
    }
}

/// Whether one `receive_frame` (decoder) or `receive_packet` (encoder) call gave a frame or
/// packet. `Ok(false)` when the codec wants more input (`EAGAIN`) or has given everything
/// (`Eof`): the two ends of a drain loop. Any other error is the codec failing, never taken for
/// an end: `while received(dec.receive_frame(&mut f)).map_err(…)? { … }`.
pub(crate) fn received(result: Result<(), ff::Error>) -> Result<bool, ff::Error> {
    match result {
        Ok(()) => Ok(true),
        Err(ff::Error::Eof) => Ok(false),
        Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => Ok(false),
        Err(e) => Err(e),
    }
}

static INIT: Once = Once::new();

/// Initialise FFmpeg once: register formats and silence its own log, which would otherwise
/// tear through progress bars (errors reach the user through our error values instead).
pub fn init() {
    INIT.call_once(|| {
        // Registration is a no-op on FFmpeg ≥ 4 and cannot fail there.
        let _ = ff::init();
        ff::util::log::set_level(ff::util::log::Level::Fatal);
    });
}

/// Make freshly allocated memory hold the same bytes on every run.
///
/// x264 reads memory it has not written when the picture height is not a multiple of 16
/// (1080 lines, for one): its lookahead sees whatever the allocator hands out, and the encoded
/// bytes then vary from run to run (measured: 5 different outputs in 6 renders of one cut with
/// two workers). Segments must be byte-identical for the cache, shards and CI checksums, so
/// glibc is told to fill every heap allocation with a fixed byte (`M_PERTURB`), and to take
/// allocations from `mmap` (always zeroed) by size alone (a fixed `M_MMAP_THRESHOLD`, instead
/// of a threshold that moves with the process's history).
///
/// This changes the whole process, so the library never does it behind the caller's back: the
/// binary's `main` calls it first thing, and so does the test harness before writing media.
pub fn deterministic_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(
                param: std::os::raw::c_int,
                value: std::os::raw::c_int,
            ) -> std::os::raw::c_int;
        }
        const M_MMAP_THRESHOLD: std::os::raw::c_int = -3;
        const M_PERTURB: std::os::raw::c_int = -6;
        // SAFETY: mallopt only changes glibc's allocator settings; it is called once, before
        // any encoder exists, and both settings are valid values for their parameters.
        unsafe {
            mallopt(M_PERTURB, 0x55);
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

/// Demuxers that read other files, URLs or device inputs. They are refused for sources: a
/// playlist or concat list would make FFmpeg open files the EDL never named.
const REFUSED_DEMUXERS: &[&str] = &[
    "hls",
    "applehttp",
    "concat",
    "dash",
    "imf",
    "image2",
    "sdp",
    "rtp",
    "rtsp",
    "lavfi",
    "mpjpeg",
    "tee",
];

/// The comma-separated list of demuxers FFmpeg may use for sources: every demuxer this FFmpeg
/// has, minus [`REFUSED_DEMUXERS`].
fn allowed_demuxers() -> &'static str {
    static LIST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut names: Vec<String> = Vec::new();
        let mut opaque: *mut std::ffi::c_void = std::ptr::null_mut();
        loop {
            // SAFETY: av_demuxer_iterate walks FFmpeg's static demuxer table; `opaque` is the
            // iteration state it owns, and the returned pointers live for the whole process.
            let fmt = unsafe { ff::ffi::av_demuxer_iterate(&mut opaque) };
            if fmt.is_null() {
                break;
            }
            // SAFETY: `fmt` is non-null and points to a static AVInputFormat whose `name` is a
            // static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr((*fmt).name) }
                .to_string_lossy()
                .into_owned();
            // A demuxer name can be a comma-separated alias list ("mov,mp4,m4a,3gp,3g2,mj2").
            if name.split(',').any(|n| REFUSED_DEMUXERS.contains(&n)) {
                continue;
            }
            names.push(name);
        }
        names.join(",")
    })
}

/// A file roughcut writes, as the text FFmpeg's muxers take: UTF-8 without NUL.
pub(crate) fn output_path(path: &Path) -> Result<&str, MediaError> {
    path.to_str()
        .filter(|s| !s.contains('\0'))
        .ok_or_else(|| MediaError::BadPath {
            path: path.display().to_string(),
        })
}

/// Make an absolute path for FFmpeg, checking that it is local, UTF-8 and NUL-free.
fn ffmpeg_path(path: &Path) -> Result<String, MediaError> {
    let shown = path.display().to_string();
    let text = path.to_str().ok_or_else(|| MediaError::BadPath {
        path: shown.clone(),
    })?;
    if text.contains('\0') {
        return Err(MediaError::BadPath { path: shown });
    }
    if let Some(scheme) = crate::edl::paths::protocol_prefix(text) {
        return Err(MediaError::NotLocal {
            path: shown,
            scheme,
        });
    }
    let abs: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| MediaError::Unreadable {
                path: shown.clone(),
                reason: e.to_string(),
            })?
            .join(path)
    };
    let abs = abs.to_str().ok_or(MediaError::BadPath { path: shown })?;
    // The `file:` prefix pins the protocol: FFmpeg never interprets the rest as a URL.
    Ok(format!("file:{abs}"))
}

/// Open a local media file for reading, with FFmpeg restricted to the `file` protocol and to
/// demuxers that do not open other files.
pub(crate) fn open_input(path: &Path) -> Result<ff::format::context::Input, MediaError> {
    init();
    let shown = path.display().to_string();
    if let Some(scheme) = path.to_str().and_then(crate::edl::paths::protocol_prefix) {
        return Err(MediaError::NotLocal {
            path: shown,
            scheme,
        });
    }
    let meta = std::fs::metadata(path).map_err(|e| MediaError::Unreadable {
        path: shown.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        },
    })?;
    if !meta.is_file() {
        return Err(MediaError::Unreadable {
            path: shown,
            reason: "not a regular file".to_string(),
        });
    }
    let url = ffmpeg_path(path)?;
    let mut opts = ff::Dictionary::new();
    opts.set("protocol_whitelist", "file");
    opts.set("format_whitelist", allowed_demuxers());
    match ff::format::input_with_dictionary(&url, opts) {
        Ok(ictx) => {
            let name = ictx.format().name().to_string();
            if name.split(',').any(|n| REFUSED_DEMUXERS.contains(&n)) {
                return Err(MediaError::RefusedFormat {
                    path: shown,
                    format: name,
                });
            }
            Ok(ictx)
        }
        Err(e) => match sniff_format(path) {
            // A picture file: FFmpeg's `image2` (which reads numbered sequences, and so other
            // files) is refused; the single-picture demuxer for its kind reads just this file.
            Some(format) if format == "image2" => match image_demuxer(path) {
                Some(name) => open_image(path, &url, name),
                None => Err(MediaError::RefusedFormat {
                    path: shown,
                    format,
                }),
            },
            Some(format) if format.split(',').any(|n| REFUSED_DEMUXERS.contains(&n)) => {
                Err(MediaError::RefusedFormat {
                    path: shown,
                    format,
                })
            }
            _ => Err(MediaError::read(path, "open", e)),
        },
    }
}

/// Whether this FFmpeg build has the filter `name`.
pub(crate) fn has_filter(name: &str) -> bool {
    init();
    ff::filter::find(name).is_some()
}

/// The single-picture demuxer that reads an image file, from its first bytes.
fn image_demuxer(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = [0u8; 12];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    let head = &head[..n];
    Some(match head {
        [0xff, 0xd8, 0xff, ..] => "jpeg_pipe",
        [0x89, b'P', b'N', b'G', ..] => "png_pipe",
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "tiff_pipe",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P'] => "webp_pipe",
        [b'B', b'M', ..] => "bmp_pipe",
        _ => return None,
    })
}

/// Open `url` (the file `path`) with the named single-picture demuxer.
fn open_image(
    path: &Path,
    url: &str,
    name: &'static str,
) -> Result<ff::format::context::Input, MediaError> {
    let cname = std::ffi::CString::new(name).map_err(|_| MediaError::BadPath {
        path: path.display().to_string(),
    })?;
    // SAFETY: av_find_input_format looks a name up in FFmpeg's static demuxer table; the
    // returned pointer (or null) is static.
    let fmt = unsafe { ff::ffi::av_find_input_format(cname.as_ptr()) };
    if fmt.is_null() {
        return Err(MediaError::RefusedFormat {
            path: path.display().to_string(),
            format: "image2".into(),
        });
    }
    let mut opts = ff::Dictionary::new();
    opts.set("protocol_whitelist", "file");
    // SAFETY: `fmt` is a non-null static AVInputFormat (above); wrapping it borrows nothing.
    let format = ff::format::format::Format::Input(unsafe {
        ff::format::format::Input::wrap(fmt as *mut ff::ffi::AVInputFormat)
    });
    match ff::format::open_with(url, &format, opts) {
        Ok(ff::format::context::Context::Input(ictx)) => Ok(ictx),
        Ok(_) => Err(MediaError::read(path, "open", ff::Error::Bug)),
        Err(e) => Err(MediaError::read(path, "open", e)),
    }
}

/// Ask FFmpeg which demuxer the start of a file looks like (used to explain a refusal).
fn sniff_format(path: &Path) -> Option<String> {
    use std::io::Read;
    const PROBE: usize = 4096;
    let mut buf = vec![0u8; PROBE + ff::ffi::AVPROBE_PADDING_SIZE as usize];
    let mut file = std::fs::File::open(path).ok()?;
    let mut n = 0;
    while n < PROBE {
        match file.read(&mut buf[n..PROBE]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    let name = std::ffi::CString::new(path.to_str()?).ok()?;
    let pd = ff::ffi::AVProbeData {
        filename: name.as_ptr(),
        buf: buf.as_mut_ptr(),
        buf_size: n as i32,
        mime_type: std::ptr::null(),
    };
    let mut score = 0;
    // SAFETY: `pd` points at a live, zero-padded buffer of `n` valid bytes plus
    // AVPROBE_PADDING_SIZE, and a NUL-terminated file name that outlives the call.
    let fmt = unsafe { ff::ffi::av_probe_input_format3(&pd, 1, &mut score) };
    if fmt.is_null() {
        return None;
    }
    // SAFETY: non-null AVInputFormat from FFmpeg's static tables; `name` is a static C string.
    Some(
        unsafe { std::ffi::CStr::from_ptr((*fmt).name) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// Arguments of a `buffer` filter for pictures like `frame`: its size and pixel format, the given
/// time base (num, den) and sample aspect ratio.
pub(crate) fn buffer_args(
    frame: &ff::frame::Video,
    time_base: (i64, i64),
    sar: (i32, i32),
) -> String {
    sized_buffer_args(
        frame.width(),
        frame.height(),
        ff::ffi::AVPixelFormat::from(frame.format()) as i32,
        time_base,
        sar,
    )
}

/// [`buffer_args`] from explicit size and pixel format.
pub(crate) fn sized_buffer_args(
    width: u32,
    height: u32,
    pix_fmt: i32,
    (tb_num, tb_den): (i64, i64),
    (sar_num, sar_den): (i32, i32),
) -> String {
    format!(
        "video_size={width}x{height}:pix_fmt={pix_fmt}:time_base={tb_num}/{tb_den}:pixel_aspect={sar_num}/{sar_den}"
    )
}

/// Arguments of an `abuffer` source taking sound in time base `tb` (`num/den`) at `rate` Hz, in
/// sample format `format` (FFmpeg name) with channel layout `layout` (FFmpeg name).
pub(crate) fn abuffer_args(tb: (i32, i32), rate: u32, format: &str, layout: &str) -> String {
    format!(
        "time_base={}/{}:sample_rate={rate}:sample_fmt={format}:channel_layout={layout}",
        tb.0, tb.1
    )
}

/// Source time zero of a stream: its start time in seconds (0 when it has none).
pub(crate) fn stream_origin(st: &ff::Stream) -> crate::time::Rational {
    use crate::time::Rational;
    let tb = st.time_base();
    if st.start_time() == ff::ffi::AV_NOPTS_VALUE || tb.denominator() == 0 {
        return Rational::from_integer(0);
    }
    Rational::new(tb.numerator() as i64, tb.denominator() as i64) * st.start_time()
}

/// The versions of the FFmpeg libraries in use and the encoder libraries' builds, e.g. for
/// cache keys: a segment encoded by another library build may differ. Read once per process
/// (they cannot change while it runs).
pub fn library_versions() -> String {
    static VERSIONS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSIONS.get_or_init(read_library_versions).clone()
}

fn read_library_versions() -> String {
    // SAFETY: the *_version functions return plain integers and have no preconditions.
    let (codec, format, filter, scale, resample) = unsafe {
        (
            ff::ffi::avcodec_version(),
            ff::ffi::avformat_version(),
            ff::ffi::avfilter_version(),
            ff::ffi::swscale_version(),
            ff::ffi::swresample_version(),
        )
    };
    let mut text = format!(
        "avcodec {codec} avformat {format} avfilter {filter} swscale {scale} swresample {resample}"
    );
    for lib in encoder_libraries() {
        text.push(' ');
        text.push_str(&lib);
    }
    text
}

/// Encoder libraries FFmpeg links against, as loaded in this process: the shared object's name
/// (its soname carries the API build, e.g. `libx264.so.164`) and size (a rebuild of the same
/// build changes it). An upgraded encoder can change its output for the same input, so these
/// enter every segment key with FFmpeg's own versions. Empty where the loaded libraries cannot
/// be listed (no `/proc/self/maps`).
fn encoder_libraries() -> Vec<String> {
    const ENCODERS: [&str; 9] = [
        "libx264.",
        "libx265.",
        "libvpx.",
        "libaom.",
        "libSvtAv1Enc.",
        "libopus.",
        "libmp3lame.",
        "libvorbisenc.",
        "libfdk-aac.",
    ];
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let mut libs: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            ENCODERS.iter().any(|e| name.starts_with(e))
        })
        .map(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            let size = std::fs::metadata(p).map_or(0, |m| m.len());
            format!("{name}:{size}")
        })
        .collect();
    libs.sort();
    libs.dedup();
    libs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_ends_only_on_eagain_and_eof_and_passes_every_other_error_on() {
        use ff::util::error::{EAGAIN, EINVAL, ENOMEM};
        assert!(matches!(received(Ok(())), Ok(true)));
        assert!(matches!(received(Err(ff::Error::Eof)), Ok(false)));
        assert!(matches!(
            received(Err(ff::Error::Other { errno: EAGAIN })),
            Ok(false)
        ));
        // Decoding and encoding failures are errors, not ends.
        for e in [
            ff::Error::InvalidData,
            ff::Error::Bug,
            ff::Error::Other { errno: EINVAL },
            ff::Error::Other { errno: ENOMEM },
            ff::Error::External,
        ] {
            assert_eq!(received(Err(e)), Err(e), "{e}");
        }
    }
}
