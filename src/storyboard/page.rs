//! The review page: one self-contained HTML file (styles, script and thumbnails inside; no
//! network): the cut's thumbnails on a timeline bar proportional to their length, the markers
//! and their notes, the warnings, what a diff changed, and — when a render exists — a player
//! that the chapters, the bar and the thumbnails seek.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::board::{Board, Card};
use super::sheet::{badge_colour, change_colour};

/// Text for HTML (element content and quoted attributes alike).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn css(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// A path relative to the page as a URL path: every byte but unreserved ones and `/` escaped.
pub(crate) fn url_path(relative: &str) -> String {
    let mut out = String::new();
    for b in relative.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = r#"
body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#1c1c1e;color:#e8e8e8}
header,section{padding:12px 20px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:12px 0 6px}
.meta{color:#a0a0a8}
video{display:block;max-width:100%;max-height:60vh;background:#000}
.bar{position:relative;display:flex;height:54px;border:1px solid #444;background:#000;margin-top:18px}
.bar .seg{flex-shrink:0;flex-grow:0;background-size:cover;background-position:center;border-right:1px solid #1c1c1e;cursor:pointer;min-width:1px}
.bar .seg.current{outline:2px solid #fff;outline-offset:-2px}
.bar .mark{position:absolute;top:-16px;width:0;height:70px;border-left:2px solid}
.bar .mark span{position:absolute;top:-2px;left:3px;font-size:11px;white-space:nowrap}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{margin:0;width:var(--w);cursor:pointer;border:3px solid transparent;padding:2px}
.card.current{border-color:#fff}
.card img{display:block;width:100%;height:auto;background:#000}
.card .thumb{position:relative}
.badge{position:absolute;top:3px;right:3px;font-size:10px;padding:1px 4px;color:#fff}
.trans{position:absolute;top:3px;left:0;font-size:10px;padding:1px 4px;color:#fff;background:#143c50;border-left:4px solid #78c8e6}
figcaption{font-size:12px}
figcaption .src{color:#a0a0a8}
.change{font-weight:600}
ol.chapters{columns:3;padding-left:24px}
button.seek{background:none;border:0;color:#8ab4f8;cursor:pointer;padding:0;font:inherit;text-align:left}
.warn{color:#f0c828}
"#;

const SCRIPT: &str = r#"
(function(){
  var player = document.getElementById('player');
  var cards = Array.prototype.slice.call(document.querySelectorAll('.card'));
  var segs = Array.prototype.slice.call(document.querySelectorAll('.bar .seg'));
  segs.forEach(function(s){
    var img = document.querySelector('#event-' + s.dataset.event + ' img');
    if (img) { s.style.backgroundImage = 'url("' + img.src + '")'; }
  });
  function mark(event){
    cards.concat(segs).forEach(function(e){
      e.classList.toggle('current', e.dataset.event === event);
    });
  }
  function seek(el){
    var t = parseFloat(el.dataset.seek);
    if (player) {
      player.pause();
      player.currentTime = t;
    } else if (el.dataset.event) {
      var card = document.getElementById('event-' + el.dataset.event);
      if (card) { card.scrollIntoView({block: 'center'}); }
    }
    if (el.dataset.event) { mark(el.dataset.event); }
  }
  document.querySelectorAll('[data-seek]').forEach(function(el){
    el.addEventListener('click', function(){ seek(el); });
  });
  if (player) {
    player.addEventListener('timeupdate', function(){
      var t = player.currentTime, at = null;
      cards.forEach(function(c){ if (parseFloat(c.dataset.seek) <= t + 1e-6) { at = c.dataset.event; } });
      if (at) { mark(at); }
    });
  }
})();
"#;

/// The page of `board`: `thumbs` maps a card's index to its JPEG bytes; `video` is the render's
/// URL relative to the page, if there is one.
pub(crate) fn html(board: &Board, thumbs: &BTreeMap<usize, String>, video: Option<&str>) -> String {
    let mut h = String::new();
    header(&mut h, board, video);
    h.push_str("<section>\n<h2>Events</h2>\n<div class=\"cards\" style=\"--w:240px\">\n");
    for (k, c) in board.cards.iter().enumerate() {
        card(&mut h, c, thumbs.get(&k));
    }
    h.push_str("</div>\n</section>\n");
    lists(&mut h, board, video.is_some());
    let _ = write!(
        h,
        "</section>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    h
}

/// The head, the title, the player and the bar of events with the markers above it.
fn header(h: &mut String, board: &Board, video: Option<&str>) {
    let title = escape(&board.title);
    let _ = write!(
        *h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n<title>{title} — storyboard</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n<div class=\"meta\">{} events · {} · {} frames at {} fps · made by roughcut {}</div>\n",
        board.cards.len(),
        escape(&board.duration),
        board.frames,
        escape(&board.fps),
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(v) = video {
        let _ = writeln!(
            *h,
            "<video id=\"player\" controls preload=\"auto\" src=\"{}\"></video>",
            escape(v)
        );
    }
    // The bar: each event's share of the program, the markers above it.
    h.push_str("<div class=\"bar\" id=\"bar\">\n");
    let total = board.frames.max(1) as f64;
    for c in &board.cards {
        let _ = writeln!(
            *h,
            "<div class=\"seg\" data-event=\"{}\" data-seek=\"{}\" style=\"width:{:.4}%\" title=\"{} {} ({} frames)\"></div>",
            c.event,
            c.seconds,
            c.frames as f64 * 100.0 / total,
            c.event,
            escape(&c.name),
            c.frames
        );
    }
    for m in &board.markers {
        let _ = writeln!(
            *h,
            "<div class=\"mark\" data-seek=\"{}\" style=\"left:{:.4}%;border-color:{}\" title=\"{}\"><span>{}</span></div>",
            m.seconds,
            m.frame as f64 * 100.0 / total,
            escape(&m.colour),
            escape(m.note.as_deref().unwrap_or(&m.name)),
            escape(&m.name)
        );
    }
    h.push_str("</div>\n</header>\n");
}

/// One event's card: its thumbnail, look badge, transition, caption and what changed.
fn card(h: &mut String, c: &Card, jpeg: Option<&String>) {
    let border = c
        .changed
        .as_ref()
        .map(|ch| format!(" style=\"border-color:{}\"", css(change_colour(&ch.kind))))
        .unwrap_or_default();
    let _ = write!(
        *h,
        "<figure class=\"card\" id=\"event-{}\" data-event=\"{}\" data-seek=\"{}\"{border}>\n<div class=\"thumb\">",
        c.event, c.event, c.seconds
    );
    if let Some(jpeg) = jpeg {
        let _ = write!(
            *h,
            "<img alt=\"event {}\" src=\"data:image/jpeg;base64,{jpeg}\">",
            c.event
        );
    }
    let _ = write!(
        *h,
        "<span class=\"badge\" style=\"background:{}\">{}</span>",
        css(badge_colour(c.look)),
        escape(c.look.badge())
    );
    if let Some(t) = &c.transition {
        let _ = write!(*h, "<span class=\"trans\">{}</span>", escape(t));
    }
    let _ = write!(
        *h,
        "</div>\n<figcaption><b>{}</b> {} · {}f<br>{}<br><span class=\"src\">{}</span>",
        c.event,
        escape(&c.timecode),
        c.frames,
        escape(&c.name),
        escape(&match (&c.source, &c.source_timecode) {
            (Some(s), Some(tc)) => format!("{s} @ {tc}"),
            (Some(s), None) => s.clone(),
            _ => c.look.badge().to_lowercase(),
        })
    );
    if let Some(ch) = &c.changed {
        let _ = write!(
            *h,
            "<br><span class=\"change\" style=\"color:{}\">{}: {}</span>",
            css(change_colour(&ch.kind)),
            escape(&ch.kind.to_uppercase()),
            escape(&ch.detail)
        );
    }
    h.push_str("</figcaption>\n</figure>\n");
}

/// The removed events, the markers, the chapters (with a player) and the warnings.
fn lists(h: &mut String, board: &Board, chapters: bool) {
    if !board.removed.is_empty() {
        h.push_str("<section>\n<h2>Removed</h2>\n<ul>\n");
        for r in &board.removed {
            let _ = writeln!(*h, "<li>{}</li>", escape(r));
        }
        h.push_str("</ul>\n</section>\n");
    }
    if !board.markers.is_empty() {
        h.push_str("<section>\n<h2>Markers</h2>\n<ul class=\"markers\">\n");
        for m in &board.markers {
            let _ = write!(
                *h,
                "<li><button class=\"seek\" data-seek=\"{}\">{} {}</button>",
                m.seconds,
                escape(&m.timecode),
                escape(&m.name)
            );
            if let Some(n) = &m.note {
                let _ = write!(*h, " — {}", escape(n));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n</section>\n");
    }
    if chapters {
        h.push_str("<section>\n<h2>Chapters</h2>\n<ol class=\"chapters\">\n");
        for c in &board.chapters {
            let _ = writeln!(
                *h,
                "<li><button class=\"seek chapter\" data-seek=\"{}\">{} {}</button></li>",
                c.seconds,
                escape(&c.timecode),
                escape(&c.title)
            );
        }
        h.push_str("</ol>\n</section>\n");
    }
    h.push_str("<section>\n<h2>Warnings</h2>\n");
    if board.warnings.is_empty() {
        h.push_str("<p class=\"meta\">None.</p>\n");
    } else {
        h.push_str("<ul>\n");
        for w in &board.warnings {
            let _ = writeln!(*h, "<li class=\"warn\">{}</li>", escape(w));
        }
        h.push_str("</ul>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_paths_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(url_path("../out/my cut#1.mp4"), "../out/my%20cut%231.mp4");
        assert_eq!(url_path("фильм.mp4"), "%D1%84%D0%B8%D0%BB%D1%8C%D0%BC.mp4");
    }
}
