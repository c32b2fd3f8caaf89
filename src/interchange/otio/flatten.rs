//! A track's items laid end to end: nested stacks and tracks flattened, each piece with the
//! part of its media it shows.

use serde_json::Value;

use super::read::{Piece, Reader};
use super::{children, schema, source_range, time_value};

impl Reader<'_> {
    /// A track's items laid end to end, nested stacks and tracks flattened (the topmost
    /// layer of a nested stack), transitions kept in place.
    pub(super) fn flatten<'v>(&mut self, items: &'v [Value], out: &mut Vec<Piece<'v>>) {
        for it in items {
            match schema(it) {
                "Transition" => out.push(Piece {
                    item: it,
                    frames: 0,
                    start: 0.0,
                    black: false,
                    exact: false,
                }),
                "Stack" | "Track" | "Sequence" => {
                    let (s, d) = source_range(it).unwrap_or((0.0, f64::INFINITY));
                    let mut inner = Vec::new();
                    let name = it
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    if schema(it) == "Stack" {
                        // The topmost layer shows.
                        if let Some(top) = children(it)
                            .iter()
                            .rev()
                            .find(|c| c.get("enabled").and_then(Value::as_bool) != Some(false))
                        {
                            let one = std::slice::from_ref(top);
                            self.flatten(one, &mut inner);
                        }
                        if children(it).len() > 1 {
                            self.warn(format!("nested stack `{name}`: only its top layer is kept"));
                        }
                    } else {
                        self.flatten(children(it), &mut inner);
                    }
                    // Keep [s, s + d) of the nested content.
                    let (from, to) = (
                        self.frames(s, &name),
                        if d.is_finite() {
                            self.frames(s + d, &name)
                        } else {
                            i64::MAX
                        },
                    );
                    let mut at = 0i64;
                    for p in inner {
                        let (a, b) = (at, at + p.frames);
                        at = b;
                        let (lo, hi) = (a.max(from), b.min(to));
                        if hi <= lo && p.frames > 0 {
                            continue;
                        }
                        out.push(Piece {
                            item: p.item,
                            frames: (hi - lo).max(0),
                            start: p.start + (lo - a) as f64 / self.fps.to_f64(),
                            black: p.black,
                            exact: p.exact && lo == a,
                        });
                    }
                    // A range longer than the content: black after it, as OTIO plays it.
                    let shown = at.max(from);
                    if to != i64::MAX && shown < to {
                        out.push(Piece {
                            item: it,
                            frames: to - shown,
                            start: 0.0,
                            black: true,
                            exact: false,
                        });
                    }
                }
                _ => {
                    let name = it
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    // Without a source range a clip plays its media's whole available range.
                    let range = source_range(it).or_else(|| {
                        let r = Self::reference(it)?.get("available_range")?;
                        Some((
                            time_value(r.get("start_time")?)?,
                            time_value(r.get("duration")?)?,
                        ))
                    });
                    let Some((start, dur)) = range else {
                        self.warn(format!("`{name}` has no source range and its media no available range: left out"));
                        continue;
                    };
                    let frames = self.frames(dur, &name);
                    if frames <= 0 {
                        self.warn(format!("`{name}` is shorter than a frame: left out"));
                        continue;
                    }
                    out.push(Piece {
                        item: it,
                        frames,
                        start,
                        black: false,
                        exact: true,
                    });
                }
            }
        }
    }

    /// The media reference a clip uses (Clip.2's active one, or Clip.1's).
    pub(super) fn reference(it: &Value) -> Option<&Value> {
        if let Some(refs) = it.get("media_references").and_then(Value::as_object) {
            let key = it
                .get("active_media_reference_key")
                .and_then(Value::as_str)
                .unwrap_or("DEFAULT_MEDIA");
            return refs.get(key).or_else(|| refs.values().next());
        }
        it.get("media_reference").filter(|r| !r.is_null())
    }
}
