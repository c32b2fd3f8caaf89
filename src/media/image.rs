//! Still images for review: decoded pictures turned into RGB and JPEG, a canvas they are pasted
//! on, text drawn on it by FFmpeg's `drawtext` (the font the overlays use), PNG written by
//! FFmpeg's encoder. No image library besides FFmpeg.

use std::path::Path;

use super::graph::{Builder, Graph, Medium};
use super::measure::Picture;
use super::{received, MediaError};
use ffmpeg_next as ff;

/// An 8-bit RGB picture, rows without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Rgb {
    /// A picture of one colour.
    pub fn new(width: usize, height: usize, fill: [u8; 3]) -> Rgb {
        Rgb {
            width,
            height,
            data: fill.repeat(width * height),
        }
    }

    /// Fill a rectangle (clipped to the picture).
    pub(crate) fn fill(&mut self, x: usize, y: usize, w: usize, h: usize, colour: [u8; 3]) {
        for row in y..(y + h).min(self.height) {
            for col in x..(x + w).min(self.width) {
                let i = (row * self.width + col) * 3;
                self.data[i..i + 3].copy_from_slice(&colour);
            }
        }
    }

    /// A rectangle's outline `thickness` pixels wide, inside the rectangle.
    pub(crate) fn frame(
        &mut self,
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        t: usize,
        colour: [u8; 3],
    ) {
        self.fill(x, y, w, t, colour);
        self.fill(x, (y + h).saturating_sub(t), w, t, colour);
        self.fill(x, y, t, h, colour);
        self.fill((x + w).saturating_sub(t), y, t, h, colour);
    }

    /// Copy `other` with its top left corner at (`x`, `y`), clipped.
    pub(crate) fn paste(&mut self, other: &Rgb, x: usize, y: usize) {
        for row in 0..other.height {
            let ty = y + row;
            if ty >= self.height || x >= self.width {
                break;
            }
            let n = other.width.min(self.width - x) * 3;
            let from = row * other.width * 3;
            let to = (ty * self.width + x) * 3;
            self.data[to..to + n].copy_from_slice(&other.data[from..from + n]);
        }
    }

    /// The pixel at (`x`, `y`).
    pub fn at(&self, x: usize, y: usize) -> Option<[u8; 3]> {
        (x < self.width && y < self.height).then(|| {
            let i = (y * self.width + x) * 3;
            [self.data[i], self.data[i + 1], self.data[i + 2]]
        })
    }
}

/// A line of text to draw: top left corner, pixel size, colour (`0xRRGGBB` or a name).
#[derive(Debug, Clone)]
pub(crate) struct Text {
    pub x: usize,
    pub y: usize,
    pub size: u32,
    pub colour: String,
    pub text: String,
}

fn err(stage: &'static str) -> impl Fn(ff::Error) -> MediaError {
    move |e| MediaError::Picture {
        stage,
        source: e.into(),
    }
}

/// A frame in yuv420p holding `p` (BT.709, limited range, as the pipeline writes).
fn yuv_frame(p: &Picture) -> ff::frame::Video {
    let (w, h) = (p.width, p.height);
    let mut f = ff::frame::Video::new(ff::format::Pixel::YUV420P, w as u32, h as u32);
    for (i, (plane, pw, ph)) in [
        (&p.y, w, h),
        (&p.u, w.div_ceil(2), h.div_ceil(2)),
        (&p.v, w.div_ceil(2), h.div_ceil(2)),
    ]
    .into_iter()
    .enumerate()
    {
        let stride = f.stride(i);
        let data = f.data_mut(i);
        for r in 0..ph {
            data[r * stride..r * stride + pw].copy_from_slice(&plane[r * pw..r * pw + pw]);
        }
    }
    f.set_pts(Some(0));
    f
}

/// The frame out of a one-frame pass through `graph`.
fn through(
    graph: &mut Graph,
    frame: &mut ff::frame::Video,
) -> Result<ff::frame::Video, MediaError> {
    graph.push(frame).map_err(err("convert"))?;
    graph.flush().map_err(err("convert"))?;
    let mut out = ff::frame::Video::empty();
    if graph.pull(&mut out).map_err(err("convert"))? {
        Ok(out)
    } else {
        Err(err("convert")(ff::Error::Bug))
    }
}

fn pix(format: ff::format::Pixel) -> i32 {
    ff::ffi::AVPixelFormat::from(format) as i32
}

/// `p` (yuv420p, BT.709 limited range, as the pipeline writes) through the chain `spec`.
fn convert(p: &Picture, spec: &str) -> Result<ff::frame::Video, MediaError> {
    let args = super::sized_buffer_args(
        p.width as u32,
        p.height as u32,
        pix(ff::format::Pixel::YUV420P),
        (1, 25),
        (1, 1),
    );
    let mut g = Graph::chain(Medium::Video, &args, spec, 1).map_err(err("convert"))?;
    through(&mut g, &mut yuv_frame(p))
}

/// `p` converted to RGB (BT.709, limited range in; full-range RGB out).
pub fn to_rgb(p: &Picture) -> Result<Rgb, MediaError> {
    let out = convert(
        p,
        "scale=in_color_matrix=bt709:in_range=tv:out_range=pc,format=rgb24",
    )?;
    Ok(rgb_of(&out))
}

fn rgb_of(f: &ff::frame::Video) -> Rgb {
    let (w, h) = (f.width() as usize, f.height() as usize);
    let stride = f.stride(0);
    let mut data = Vec::with_capacity(w * h * 3);
    for r in 0..h {
        data.extend_from_slice(&f.data(0)[r * stride..r * stride + w * 3]);
    }
    Rgb {
        width: w,
        height: h,
        data,
    }
}

fn rgb_frame(c: &Rgb) -> ff::frame::Video {
    let mut f = ff::frame::Video::new(ff::format::Pixel::RGB24, c.width as u32, c.height as u32);
    let stride = f.stride(0);
    let row = c.width * 3;
    let data = f.data_mut(0);
    for r in 0..c.height {
        data[r * stride..r * stride + row].copy_from_slice(&c.data[r * row..r * row + row]);
    }
    f.set_pts(Some(0));
    f
}

/// One picture through an image encoder (`codec`, in `format`), with `options`.
fn encode_one(
    codec: ff::codec::Id,
    format: ff::format::Pixel,
    frame: &ff::frame::Video,
    options: &[(&str, &str)],
) -> Result<Vec<u8>, MediaError> {
    let codec = ff::encoder::find(codec)
        .ok_or(ff::Error::EncoderNotFound)
        .map_err(err("find the encoder"))?;
    let mut enc = ff::codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(err("open the encoder"))?;
    enc.set_width(frame.width());
    enc.set_height(frame.height());
    enc.set_format(format);
    enc.set_time_base(ff::Rational::new(1, 25));
    enc.set_flags(ff::codec::Flags::BITEXACT);
    let mut opts = ff::Dictionary::new();
    for (k, v) in options {
        opts.set(k, v);
    }
    let mut enc = enc.open_with(opts).map_err(err("open the encoder"))?;
    enc.send_frame(frame).map_err(err("encode"))?;
    enc.send_eof().map_err(err("encode"))?;
    let mut bytes = Vec::new();
    let mut packet = ff::Packet::empty();
    while received(enc.receive_packet(&mut packet)).map_err(err("encode"))? {
        bytes.extend_from_slice(packet.data().unwrap_or_default());
    }
    if bytes.is_empty() {
        return Err(err("encode")(ff::Error::Bug));
    }
    Ok(bytes)
}

/// `p` as a JPEG file's bytes (BT.601 full range, as JPEG readers expect), at quality
/// `q` (2 best … 31 worst).
pub(crate) fn jpeg(p: &Picture, q: u32) -> Result<Vec<u8>, MediaError> {
    let out = convert(
        p,
        "scale=in_color_matrix=bt709:out_color_matrix=bt601:in_range=tv:out_range=pc,format=yuvj420p",
    )?;
    let q = q.clamp(2, 31).to_string();
    encode_one(
        ff::codec::Id::MJPEG,
        ff::format::Pixel::YUVJ420P,
        &out,
        &[("qmin", &q), ("qmax", &q)],
    )
}

/// `c` as a PNG file's bytes.
pub(crate) fn png(c: &Rgb) -> Result<Vec<u8>, MediaError> {
    encode_one(
        ff::codec::Id::PNG,
        ff::format::Pixel::RGB24,
        &rgb_frame(c),
        &[],
    )
}

/// Texts drawn per filter graph: a graph holds one `drawtext` per line.
const TEXTS_PER_PASS: usize = 64;

/// Draw `texts` on `canvas` with the font file `font`. Control characters are left out.
pub(crate) fn draw_text(canvas: &mut Rgb, texts: &[Text], font: &Path) -> Result<(), MediaError> {
    let font = font.to_str().ok_or_else(|| MediaError::BadPath {
        path: font.display().to_string(),
    })?;
    for batch in texts.chunks(TEXTS_PER_PASS) {
        let mut g = Builder::new(1);
        let args = super::sized_buffer_args(
            canvas.width as u32,
            canvas.height as u32,
            pix(ff::format::Pixel::RGB24),
            (1, 25),
            (1, 1),
        );
        g.add("buffer", "in", &args).map_err(err("draw text"))?;
        let mut prev = "in".to_string();
        for (k, t) in batch.iter().enumerate() {
            let clean: String = t.text.chars().filter(|c| !c.is_control()).collect();
            if clean.trim().is_empty() {
                continue;
            }
            let name = format!("t{k}");
            let (x, y, size) = (t.x.to_string(), t.y.to_string(), t.size.to_string());
            g.literal(
                "drawtext",
                &name,
                &[
                    ("fontfile", font),
                    ("fontsize", &size),
                    ("fontcolor", &t.colour),
                    ("text", &clean),
                    ("expansion", "none"),
                    ("x", &x),
                    ("y", &y),
                ],
            )
            .map_err(err("draw text"))?;
            g.link(&prev, &name).map_err(err("draw text"))?;
            prev = name;
        }
        g.literal("buffersink", "out", &[])
            .map_err(err("draw text"))?;
        g.link(&prev, "out").map_err(err("draw text"))?;
        let mut graph = g.finish(true).map_err(err("draw text"))?;
        let out = through(&mut graph, &mut rgb_frame(canvas))?;
        *canvas = rgb_of(&out);
    }
    Ok(())
}
