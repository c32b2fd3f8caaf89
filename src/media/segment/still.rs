//! A move across a still: its one picture decoded and conformed once (upright, 4:4:4, BT.709),
//! then every output frame framed anew from it — the framing interpolated between the move's
//! two rectangles and sampled bilinearly at sub-pixel positions, so the move glides instead of
//! stepping by whole pixels.

use super::job::{out_err, FrameSink, SegmentError, SegmentJob};
use crate::edl::raw::Ease;
use crate::edl::Fit;
use crate::media::graph::{Graph, Medium};
use crate::media::reader::Reader;
use crate::media::received;
use crate::plan::StillPicture;
use crate::time::format_seconds;
use ffmpeg_next as ff;

/// Render the segment's frames of the move `s` into `sink`.
pub(super) fn moving_still(
    job: &SegmentJob,
    s: &StillPicture,
    sink: &mut dyn FrameSink,
) -> Result<(), SegmentError> {
    let picture = conformed_picture(job, s)?;
    let out = job.output;
    let (ow, oh) = (out.width as usize, out.height as usize);
    for k in 0..job.segment.frames {
        // A fresh picture each time: the encoder may still hold the last one.
        let mut frame = ff::frame::Video::new(ff::format::Pixel::YUV420P, ow as u32, oh as u32);
        if job.cancel.is_cancelled() {
            return Err(SegmentError::Cancelled);
        }
        let place = Placement::at(s, s.first + k, ow as f64, oh as f64, &picture);
        for plane in 0..3 {
            let (pw, ph, sub) = if plane == 0 {
                (ow, oh, 1.0)
            } else {
                (ow.div_ceil(2), oh.div_ceil(2), 2.0)
            };
            let stride = frame.stride(plane);
            let blank = if plane == 0 { 16.0 } else { 128.0 };
            let src = &picture.planes[plane];
            let data = frame.data_mut(plane);
            for row in 0..ph {
                // Output sample centres, in output pixels.
                let y = (row as f64 + 0.5) * sub;
                for col in 0..pw {
                    let x = (col as f64 + 0.5) * sub;
                    let value = match place.source(x, y) {
                        Some((u, v)) => src.sample(u, v),
                        None => blank,
                    };
                    data[row * stride + col] = value.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        frame.set_pts(Some(k));
        sink.push(&mut frame)?;
        if sink.done() {
            break;
        }
    }
    Ok(())
}

/// The still's picture, conformed: three full-size planes.
struct Conformed {
    planes: [Plane; 3],
}

/// One 8-bit plane.
struct Plane {
    data: Vec<u8>,
    width: usize,
    height: usize,
}

impl Plane {
    /// The plane's value at (`u`, `v`) in pixel-centre coordinates, bilinear; edges held.
    fn sample(&self, u: f64, v: f64) -> f64 {
        let (w, h) = (self.width as f64, self.height as f64);
        let u = u.clamp(0.0, w - 1.0);
        let v = v.clamp(0.0, h - 1.0);
        let (x0, y0) = (u.floor() as usize, v.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (u - x0 as f64, v - y0 as f64);
        let at =
            |x: usize, y: usize| f64::from(self.data.get(y * self.width + x).copied().unwrap_or(0));
        let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
        let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
}

/// Where output frame `index` of the move takes its picture from.
struct Placement {
    /// The framing in picture pixels (left, top, width, height).
    rect: [f64; 4],
    /// Where it lands in the output frame (left, top, width, height).
    area: [f64; 4],
}

impl Placement {
    fn at(s: &StillPicture, index: i64, ow: f64, oh: f64, p: &Conformed) -> Placement {
        let t = if s.frames > 1 {
            index as f64 / (s.frames - 1) as f64
        } else {
            0.0
        };
        let e = match s.ease {
            Ease::Linear => t,
            Ease::EaseInOut => t * t * (3.0 - 2.0 * t),
        };
        let mix = |i: usize| s.from[i] + (s.to[i] - s.from[i]) * e;
        let (w, h) = (p.planes[0].width as f64, p.planes[0].height as f64);
        let rect = [mix(0) * w, mix(1) * h, mix(2) * w, mix(3) * h];
        let sar = crate::time::to_f64(s.sar);
        let shown_w = rect[2] * if sar > 0.0 { sar } else { 1.0 };
        let aspect = shown_w / rect[3].max(1e-9);
        // The framing fitted to the frame, unrounded: it moves by fractions of a pixel.
        let (aw, ah) = match s.fit {
            Fit::Stretch => (ow, oh),
            Fit::Pad if aspect > ow / oh => (ow, ow / aspect),
            Fit::Pad => (oh * aspect, oh),
            Fit::Crop if aspect > ow / oh => (oh * aspect, oh),
            Fit::Crop => (ow, ow / aspect),
        };
        Placement {
            rect,
            area: [(ow - aw) / 2.0, (oh - ah) / 2.0, aw, ah],
        }
    }

    /// The picture position (pixel-centre coordinates) shown at output point (`x`, `y`), or
    /// `None` outside the framing (black bars).
    fn source(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let [ax, ay, aw, ah] = self.area;
        if x < ax || y < ay || x > ax + aw || y > ay + ah {
            return None;
        }
        let [rx, ry, rw, rh] = self.rect;
        Some((rx + (x - ax) / aw * rw - 0.5, ry + (y - ay) / ah * rh - 0.5))
    }
}

/// Decode the still's one picture and run it through its conform chain.
fn conformed_picture(job: &SegmentJob, s: &StillPicture) -> Result<Conformed, SegmentError> {
    let shown = s.path.display().to_string();
    let fail = |stage: &'static str| {
        let shown = shown.clone();
        move |e: ff::Error| SegmentError::Source {
            path: shown.clone(),
            stage,
            time: format_seconds(crate::time::Rational::from_integer(0)),
            message: e.to_string(),
        }
    };
    let mut reader = Reader::open(&s.path)?;
    let mut dec = reader
        .decoder(s.stream, 1)
        .and_then(|d| d.video())
        .map_err(fail("open video decoder"))?;
    let mut decoded = ff::frame::Video::empty();
    let mut got = false;
    while !got {
        match reader.read_packet().map_err(fail("read"))? {
            Some(packet) if packet.stream() == s.stream => {
                dec.send_packet(packet).map_err(fail("decode picture"))?;
                got = received(dec.receive_frame(&mut decoded)).map_err(fail("decode picture"))?;
            }
            Some(_) => {}
            None => {
                let _ = dec.send_eof();
                got = received(dec.receive_frame(&mut decoded)).map_err(fail("decode picture"))?;
                if !got {
                    return Err(SegmentError::Source {
                        path: shown,
                        stage: "decode picture",
                        time: "0s".into(),
                        message: "the file holds no picture that could be decoded".into(),
                    });
                }
            }
        }
    }
    let args = crate::media::buffer_args(&decoded, (1, 25), (1, 1));
    let mut g = Graph::chain(Medium::Video, &args, &s.filter, job.threads)
        .map_err(out_err("conform still"))?;
    decoded.set_pts(Some(0));
    g.push(&mut decoded).map_err(out_err("conform still"))?;
    let _ = g.flush();
    let mut conformed = ff::frame::Video::empty();
    if !g.pull(&mut conformed).map_err(out_err("conform still"))? {
        return Err(SegmentError::Output {
            stage: "conform still",
            source: "the conform chain gave no picture".into(),
        });
    }
    let plane = |i: usize| {
        let (w, h) = (
            conformed.plane_width(i) as usize,
            conformed.plane_height(i) as usize,
        );
        let stride = conformed.stride(i);
        let src = conformed.data(i);
        let mut data = Vec::with_capacity(w * h);
        for row in 0..h {
            let line = src.get(row * stride..row * stride + w).unwrap_or(&[]);
            data.extend_from_slice(line);
            // A short line (never from FFmpeg's own buffers) is padded black.
            data.resize(data.len() + (w - line.len()), 0);
        }
        Plane {
            data,
            width: w.max(1),
            height: h.max(1),
        }
    };
    Ok(Conformed {
        planes: [plane(0), plane(1), plane(2)],
    })
}
