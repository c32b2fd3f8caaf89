//! The contact sheet: one thumbnail per event in a grid, each with its event number, record
//! timecode and length, name, source and source timecode, a badge for its look, a mark for the
//! transition into it, and a coloured frame when a diff says it changed.

use std::collections::BTreeMap;
use std::path::Path;

use crate::media::image::{self, Rgb, Text};
use crate::media::MediaError;

use super::board::{Board, Look};

/// Where things go on the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub thumb_w: usize,
    pub thumb_h: usize,
    pub columns: usize,
    /// Space around and between cards.
    pub gap: usize,
    /// Height of the title line at the top.
    pub header: usize,
    /// Height of a card: thumbnail and its lines of text.
    pub card_h: usize,
    pub width: usize,
    pub height: usize,
}

/// Text size of the card lines, pixels.
const TEXT: u32 = 11;
/// A line of card text.
const LINE: usize = 15;

pub const BACKGROUND: [u8; 3] = [28, 28, 30];
const INK: &str = "0xE8E8E8";
const DIM: &str = "0xA0A0A8";

impl Layout {
    /// A grid of `cards` thumbnails of `thumb_w`×`thumb_h`, at most six to a row.
    pub fn new(cards: usize, thumb_w: usize, thumb_h: usize) -> Layout {
        let columns = cards.clamp(1, 6);
        let rows = cards.div_ceil(columns).max(1);
        let gap = 12;
        let header = 34;
        let card_h = thumb_h + 4 * LINE + 4;
        Layout {
            thumb_w,
            thumb_h,
            columns,
            gap,
            header,
            card_h,
            width: gap + columns * (thumb_w + gap),
            height: header + rows * (card_h + gap),
        }
    }

    /// Top left corner of card `k`'s thumbnail.
    pub fn thumb_at(&self, k: usize) -> (usize, usize) {
        let (col, row) = (k % self.columns, k / self.columns);
        (
            self.gap + col * (self.thumb_w + self.gap),
            self.header + row * (self.card_h + self.gap),
        )
    }
}

/// The badge's colour for a look.
pub(crate) fn badge_colour(look: Look) -> [u8; 3] {
    match look {
        Look::Colour => [214, 94, 38],
        Look::BlackAndWhite => [110, 110, 110],
        Look::Toned => [150, 112, 64],
        Look::Title => [62, 96, 170],
        Look::Black => [64, 64, 64],
    }
}

/// The frame's colour for a change.
pub fn change_colour(kind: &str) -> [u8; 3] {
    match kind {
        "added" => [60, 180, 75],
        "moved" => [66, 133, 244],
        "trimmed" => [240, 200, 40],
        _ => [200, 60, 200],
    }
}

fn hex(c: [u8; 3]) -> String {
    format!("0x{:02X}{:02X}{:02X}", c[0], c[1], c[2])
}

/// At most `n` characters of `s` (an ellipsis when cut).
fn fit(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Draw the sheet of `board` with `thumbs` (card index → thumbnail) using `font`.
pub(crate) fn draw(
    board: &Board,
    thumbs: &BTreeMap<usize, Rgb>,
    layout: &Layout,
    font: &Path,
) -> Result<Rgb, MediaError> {
    let mut sheet = Rgb::new(layout.width, layout.height, BACKGROUND);
    let mut texts = vec![Text {
        x: layout.gap,
        y: 10,
        size: 15,
        colour: INK.into(),
        text: format!(
            "{} — {} events, {} ({} frames at {} fps)",
            board.title,
            board.cards.len(),
            board.duration,
            board.frames,
            board.fps
        ),
    }];
    // Characters that fit a line (DejaVu Sans averages a little over half its size).
    let chars = layout.thumb_w * 10 / (TEXT as usize * 6);
    for (k, card) in board.cards.iter().enumerate() {
        let (x, y) = layout.thumb_at(k);
        if let Some(c) = &card.changed {
            let t = 3;
            sheet.frame(
                x.saturating_sub(t + 1),
                y.saturating_sub(t + 1),
                layout.thumb_w + 2 * (t + 1),
                layout.card_h + 2 * (t + 1),
                t,
                change_colour(&c.kind),
            );
        }
        match thumbs.get(&k) {
            Some(t) => sheet.paste(t, x, y),
            None => sheet.fill(x, y, layout.thumb_w, layout.thumb_h, [0, 0, 0]),
        }
        // The badge, top right of the thumbnail.
        let word = card.look.badge();
        let bw = word.chars().count() * 7 + 8;
        let bx = x + layout.thumb_w.saturating_sub(bw + 3);
        sheet.fill(bx, y + 3, bw, 15, badge_colour(card.look));
        texts.push(Text {
            x: bx + 4,
            y: y + 5,
            size: 10,
            colour: "white".into(),
            text: word.into(),
        });
        // The transition into the event: a bar down the left edge and its length.
        if let Some(t) = &card.transition {
            sheet.fill(x, y, 4, layout.thumb_h, [120, 200, 230]);
            let tw = t.chars().count() * 6 + 8;
            sheet.fill(x + 4, y + 3, tw, 15, [20, 60, 80]);
            texts.push(Text {
                x: x + 8,
                y: y + 5,
                size: 10,
                colour: "white".into(),
                text: t.clone(),
            });
        }
        let ty = y + layout.thumb_h + 4;
        let mut line = |row: usize, colour: &str, text: String| {
            texts.push(Text {
                x,
                y: ty + row * LINE,
                size: TEXT,
                colour: colour.into(),
                text: fit(&text, chars),
            })
        };
        line(
            0,
            INK,
            format!("{}  {}  {}f", card.event, card.timecode, card.frames),
        );
        line(1, INK, card.name.clone());
        match (&card.source, &card.source_timecode) {
            (Some(s), Some(tc)) => line(2, DIM, format!("{s} @ {tc}")),
            (Some(s), None) => line(2, DIM, s.clone()),
            _ => line(2, DIM, card.look.badge().to_lowercase()),
        }
        if let Some(c) = &card.changed {
            line(
                3,
                &hex(change_colour(&c.kind)),
                format!("{}: {}", c.kind.to_uppercase(), c.detail),
            );
        }
    }
    image::draw_text(&mut sheet, &texts, font)?;
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_holds_every_card_without_overlap() {
        let l = Layout::new(13, 240, 136);
        assert_eq!(l.columns, 6);
        let corners: Vec<_> = (0..13).map(|k| l.thumb_at(k)).collect();
        for (a, &(x, y)) in corners.iter().enumerate() {
            assert!(
                x + l.thumb_w <= l.width && y + l.card_h <= l.height,
                "card {a}"
            );
            for &(x2, y2) in &corners[a + 1..] {
                assert!(x.abs_diff(x2) >= l.thumb_w || y.abs_diff(y2) >= l.card_h);
            }
        }
        assert_eq!(Layout::new(2, 100, 50).columns, 2);
    }

    #[test]
    fn long_lines_are_cut_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }
}
