//! Progress displays for the terminal (binary only): indicatif bars on a TTY, plain lines at
//! growing intervals without one, NDJSON on stdout for machines, or nothing.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use roughcut::render::{Progress, ProgressEvent};

/// NDJSON events on stdout.
pub struct Json;

/// Whether a per-frame update is thinned out: only whole percents (and the last frame) pass.
fn thinned(done: i64, frames: i64) -> bool {
    done != frames && (done * 100 / frames.max(1)) == ((done - 1) * 100 / frames.max(1))
}

/// One event as a line of JSON on stdout.
fn ndjson<T: serde::Serialize>(e: &T) {
    if let Ok(line) = serde_json::to_string(e) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    }
}

impl Progress for Json {
    fn event(&self, e: &ProgressEvent) {
        if let ProgressEvent::SegmentProgress { done, frames, .. } = e {
            if thinned(*done, *frames) {
                return;
            }
        }
        ndjson(e);
    }
}

/// Plain lines on stderr, at growing intervals (2 s, 4 s, … up to 30 s).
pub struct Plain {
    state: Mutex<PlainState>,
}

struct PlainState {
    started: Instant,
    last: Instant,
    interval: Duration,
    total: i64,
    done_before: i64,
    in_flight: std::collections::HashMap<usize, i64>,
}

impl Plain {
    pub fn new() -> Plain {
        Plain {
            state: Mutex::new(PlainState {
                started: Instant::now(),
                last: Instant::now(),
                interval: Duration::from_secs(2),
                total: 0,
                done_before: 0,
                in_flight: Default::default(),
            }),
        }
    }
}

impl Progress for Plain {
    fn event(&self, e: &ProgressEvent) {
        let Ok(mut s) = self.state.lock() else { return };
        match e {
            ProgressEvent::Started {
                frames,
                segments,
                workers,
                ..
            } => {
                s.total = *frames;
                eprintln!(
                    "rendering {frames} frames in {segments} segment{} on {workers} worker{}",
                    plural(*segments),
                    plural(*workers)
                );
            }
            ProgressEvent::SegmentProgress { segment, done, .. } => {
                s.in_flight.insert(*segment, *done);
                if s.last.elapsed() >= s.interval {
                    let done = s.done_before + s.in_flight.values().sum::<i64>();
                    let secs = s.started.elapsed().as_secs_f64();
                    let fps = if secs > 0.0 { done as f64 / secs } else { 0.0 };
                    let eta = if fps > 0.0 {
                        (s.total - done) as f64 / fps
                    } else {
                        0.0
                    };
                    eprintln!(
                        "  {done}/{} frames ({:.0}%), {fps:.1} fps, ETA {eta:.0}s",
                        s.total,
                        done as f64 * 100.0 / s.total.max(1) as f64
                    );
                    s.last = Instant::now();
                    s.interval = (s.interval * 2).min(Duration::from_secs(30));
                }
            }
            ProgressEvent::SegmentFinished {
                segment, frames, ..
            } => {
                s.in_flight.remove(segment);
                s.done_before += frames;
            }
            ProgressEvent::SegmentCached { frames, .. } => s.done_before += frames,
            ProgressEvent::Assembling { .. } => {
                eprintln!(
                    "  joining segments (and measuring the sound when it has a loudness target)"
                )
            }
            _ => {}
        }
    }
}

/// indicatif bars: a total bar (frames, fps, ETA) with a prefix `width` wide, and one line per
/// worker. Shared by render's and transcode's displays.
struct Board {
    multi: MultiProgress,
    total: ProgressBar,
    workers: Mutex<Vec<ProgressBar>>,
    width: usize,
}

/// "s" unless there is one.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Board {
    /// A board drawn on `target` (the terminal, or a test's screen).
    fn on(width: usize, target: ProgressDrawTarget) -> Board {
        let multi = MultiProgress::with_draw_target(target);
        // Empty until the work's size is known (a bar of 0/0 would show full).
        let total = multi.add(ProgressBar::new(1));
        total.set_style(
            ProgressStyle::with_template(&format!(
                "{{prefix:>{width}}} [{{bar:40}}] {{pos}}/{{len}} frames  {{rate}}  ETA {{eta}}  {{msg}}"
            ))
            .map(|st| {
                st.with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1} fps", s.per_sec());
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Board {
            multi,
            total,
            workers: Mutex::new(Vec::new()),
            width,
        }
    }

    /// Add the lines of `n` workers.
    fn add_workers(&self, n: usize) {
        let Ok(mut w) = self.workers.lock() else {
            return;
        };
        for i in 0..n {
            let bar = self.multi.add(ProgressBar::new(1));
            // Counts live in the message, so an idle line shows none.
            bar.set_style(
                ProgressStyle::with_template(&format!("{{prefix:>{}}} {{wide_msg}}", self.width))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix(format!("worker {i}"));
            bar.set_message("idle");
            w.push(bar);
        }
    }

    /// The line of worker `i`, once the lines are set up.
    fn worker(&self, i: usize) -> Option<ProgressBar> {
        self.workers.lock().ok().and_then(|w| w.get(i).cloned())
    }

    /// Take every bar off the terminal.
    fn finish(&self) {
        if let Ok(w) = self.workers.lock() {
            for b in w.iter() {
                b.finish_and_clear();
            }
        }
        self.total.finish_and_clear();
    }
}

/// Render's bars: the whole program and one line per worker.
pub struct Bars {
    board: Board,
    done: Mutex<(i64, std::collections::HashMap<usize, i64>)>,
    /// What each worker is on: segment, event name, frames.
    on: Mutex<std::collections::HashMap<usize, (usize, String, i64)>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars::on(ProgressDrawTarget::stderr_with_hz(8))
    }

    fn on(target: ProgressDrawTarget) -> Bars {
        let board = Board::on(9, target);
        board.total.set_prefix("program");
        Bars {
            board,
            done: Mutex::new((0, Default::default())),
            on: Mutex::new(Default::default()),
        }
    }
}

impl Progress for Bars {
    fn event(&self, e: &ProgressEvent) {
        match e {
            ProgressEvent::Started {
                frames, workers, ..
            } => {
                self.board.total.set_length(*frames as u64);
                self.board.add_workers(*workers);
            }
            ProgressEvent::SegmentStarted {
                worker,
                name,
                frames,
                segment,
                ..
            } => {
                if let Some(b) = self.board.worker(*worker) {
                    b.set_message(format!("segment {segment}: {name}  0/{frames}"));
                }
                if let Ok(mut on) = self.on.lock() {
                    on.insert(*worker, (*segment, name.clone(), *frames));
                }
            }
            ProgressEvent::SegmentProgress {
                segment,
                worker,
                done,
                ..
            } => {
                let on = self.on.lock().ok().and_then(|on| on.get(worker).cloned());
                if let (Some(b), Some((seg, name, frames))) = (self.board.worker(*worker), on) {
                    b.set_message(format!("segment {seg}: {name}  {done}/{frames}"));
                }
                if let Ok(mut d) = self.done.lock() {
                    d.1.insert(*segment, *done);
                    let all = d.0 + d.1.values().sum::<i64>();
                    self.board.total.set_position(all as u64);
                }
            }
            ProgressEvent::SegmentFinished {
                segment,
                frames,
                worker,
                ..
            } => {
                if let Ok(mut d) = self.done.lock() {
                    d.1.remove(segment);
                    d.0 += frames;
                    let all = d.0 + d.1.values().sum::<i64>();
                    self.board.total.set_position(all as u64);
                }
                if let Some(b) = self.board.worker(*worker) {
                    b.set_message("idle");
                }
            }
            ProgressEvent::SegmentCached { frames, .. } => {
                if let Ok(mut d) = self.done.lock() {
                    d.0 += frames;
                    let all = d.0 + d.1.values().sum::<i64>();
                    self.board.total.set_position(all as u64);
                }
            }
            ProgressEvent::Assembling { .. } => {
                if let Ok(w) = self.board.workers.lock() {
                    for b in w.iter() {
                        b.finish_and_clear();
                    }
                }
                self.board
                    .total
                    .set_message("joining segments, measuring and encoding the sound…");
            }
            ProgressEvent::Finished { .. } => self.board.finish(),
        }
    }
}

use roughcut::transcode::{BatchEvent, BatchProgress};

/// Batch progress as NDJSON on stdout.
pub struct BatchJson;

impl BatchProgress for BatchJson {
    fn event(&self, e: &BatchEvent) {
        if let BatchEvent::FileProgress { done, frames, .. } = e {
            if thinned(*done, *frames) {
                return;
            }
        }
        ndjson(e);
    }
}

/// No batch progress.
pub struct BatchQuiet;

impl BatchProgress for BatchQuiet {
    fn event(&self, _: &BatchEvent) {}
}

/// Totals of a batch for the plain and bar displays.
#[derive(Default)]
struct BatchTotals {
    files: usize,
    files_done: usize,
    frames: i64,
    done_before: i64,
    in_flight: std::collections::HashMap<usize, i64>,
}

impl BatchTotals {
    fn done(&self) -> i64 {
        self.done_before + self.in_flight.values().sum::<i64>()
    }
}

/// Plain batch lines on stderr: one per file finished, totals at growing intervals.
pub struct BatchPlain {
    state: Mutex<(BatchTotals, Instant, Instant, Duration)>,
}

impl BatchPlain {
    pub fn new() -> BatchPlain {
        BatchPlain {
            state: Mutex::new((
                BatchTotals::default(),
                Instant::now(),
                Instant::now(),
                Duration::from_secs(2),
            )),
        }
    }
}

impl BatchProgress for BatchPlain {
    fn event(&self, e: &BatchEvent) {
        let Ok(mut s) = self.state.lock() else { return };
        let (t, started, last, interval) = &mut *s;
        match e {
            BatchEvent::Started {
                files,
                frames,
                workers,
            } => {
                t.files = *files;
                t.frames = *frames;
                eprintln!(
                    "transcoding {files} file{}, {frames} frames, on {workers} worker{}",
                    plural(*files),
                    plural(*workers)
                );
            }
            BatchEvent::FileProgress { file, done, .. } => {
                t.in_flight.insert(*file, *done);
                if last.elapsed() >= *interval {
                    let done = t.done();
                    let secs = started.elapsed().as_secs_f64();
                    let fps = if secs > 0.0 { done as f64 / secs } else { 0.0 };
                    let eta = if fps > 0.0 {
                        (t.frames - done).max(0) as f64 / fps
                    } else {
                        0.0
                    };
                    eprintln!(
                        "  {}/{} files, {done}/{} frames, {fps:.1} fps, ETA {eta:.0}s",
                        t.files_done, t.files, t.frames
                    );
                    *last = Instant::now();
                    *interval = (*interval * 2).min(Duration::from_secs(30));
                }
            }
            BatchEvent::FileFinished {
                file,
                input,
                outcome,
                frames,
                ..
            } => {
                t.in_flight.remove(file);
                t.done_before += frames;
                t.files_done += 1;
                eprintln!("  [{}/{}] {input}: {outcome}", t.files_done, t.files);
            }
            BatchEvent::FileStarted { .. } => {}
        }
    }
}

/// indicatif bars for a batch: files and frames with ETA, and one line per worker.
pub struct BatchBars {
    board: Board,
    totals: Mutex<BatchTotals>,
}

impl BatchBars {
    pub fn new() -> BatchBars {
        BatchBars::on(ProgressDrawTarget::stderr_with_hz(8))
    }

    fn on(target: ProgressDrawTarget) -> BatchBars {
        BatchBars {
            board: Board::on(12, target),
            totals: Mutex::new(BatchTotals::default()),
        }
    }
}

impl BatchProgress for BatchBars {
    fn event(&self, e: &BatchEvent) {
        let Ok(mut t) = self.totals.lock() else {
            return;
        };
        match e {
            BatchEvent::Started {
                files,
                frames,
                workers,
            } => {
                t.files = *files;
                t.frames = *frames;
                self.board.total.set_length((*frames).max(0) as u64);
                self.board.total.set_prefix(format!("0/{files} files"));
                self.board.add_workers(*workers);
            }
            BatchEvent::FileStarted {
                worker,
                input,
                frames,
                ..
            } => {
                if let Some(b) = self.board.worker(*worker) {
                    b.set_length((*frames).max(1) as u64);
                    b.set_position(0);
                    b.set_message(input.clone());
                }
            }
            BatchEvent::FileProgress {
                file, worker, done, ..
            } => {
                t.in_flight.insert(*file, *done);
                self.board.total.set_position(t.done().max(0) as u64);
                if let Some(b) = self.board.worker(*worker) {
                    b.set_position((*done).max(0) as u64);
                }
            }
            BatchEvent::FileFinished {
                file,
                worker,
                input,
                outcome,
                frames,
            } => {
                t.in_flight.remove(file);
                t.done_before += frames;
                t.files_done += 1;
                self.board.total.set_position(t.done().max(0) as u64);
                self.board
                    .total
                    .set_prefix(format!("{}/{} files", t.files_done, t.files));
                if outcome.starts_with("failed") {
                    let _ = self.board.multi.println(format!("{input}: {outcome}"));
                }
                if let Some(b) = self.board.worker(*worker) {
                    b.set_message("idle");
                }
                if t.files_done == t.files {
                    self.board.finish();
                }
            }
        }
    }
}

/// The display for a render in `mode` (already resolved from `auto`).
pub fn render_display(mode: ProgressMode) -> Box<dyn Progress> {
    use ProgressMode as M;
    match mode {
        M::Json => Box::new(Json),
        M::Plain => Box::new(Plain::new()),
        M::Bars => Box::new(Bars::new()),
        M::None | M::Auto => Box::new(roughcut::render::Silent),
    }
}

/// The display for a transcode batch in `mode` (already resolved from `auto`).
pub fn batch_display(mode: ProgressMode) -> Box<dyn BatchProgress> {
    use ProgressMode as M;
    match mode {
        M::Json => Box::new(BatchJson),
        M::Plain => Box::new(BatchPlain::new()),
        M::Bars => Box::new(BatchBars::new()),
        M::None | M::Auto => Box::new(BatchQuiet),
    }
}

/// How progress is shown.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    Auto,
    Bars,
    Plain,
    Json,
    None,
}

/// `auto` means bars on a terminal and nothing otherwise (scripts and CI get only warnings,
/// failures and the summary line); other modes are themselves.
pub fn resolve(mode: ProgressMode) -> ProgressMode {
    use std::io::IsTerminal;
    match mode {
        ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bars,
        ProgressMode::Auto => ProgressMode::None,
        m => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::InMemoryTerm;

    /// A display drawn on an in-memory screen of 12 rows and 120 columns.
    fn screen() -> (InMemoryTerm, ProgressDrawTarget) {
        let term = InMemoryTerm::new(12, 120);
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        (term, target)
    }

    impl Board {
        /// Draw every line now (a terminal is redrawn on a timer; a test looks at once).
        fn redraw(&self) {
            if let Ok(w) = self.workers.lock() {
                for b in w.iter() {
                    b.force_draw();
                }
            }
            self.total.force_draw();
        }
    }

    /// The screen's lines with trailing blanks trimmed, blank lines dropped.
    fn lines(term: &InMemoryTerm) -> Vec<String> {
        term.contents()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn line_of<'a>(lines: &'a [String], start: &str) -> &'a str {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(start))
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no line starting {start:?} in {lines:#?}"))
    }

    /// A rate is shown rounded to one decimal ("121.0 fps"), never with four.
    fn rate_is_rounded(line: &str) -> bool {
        let Some(at) = line.find(" fps") else {
            return false;
        };
        let num = line[..at].rsplit(' ').next().unwrap_or("");
        let parts: Vec<&str> = num.split('.').collect();
        parts.len() == 2
            && parts[1].len() == 1
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    }

    #[test]
    fn render_bars_show_what_is_happening_and_nothing_stale() {
        let (term, target) = screen();
        let bars = Bars::on(target);
        bars.board.redraw();
        let before = lines(&term);
        assert!(
            before
                .iter()
                .all(|l| !l.contains("0/0") && !l.contains("=====")),
            "no full 0/0 bar before the work is known: {before:#?}"
        );

        bars.event(&ProgressEvent::Started {
            frames: 100,
            segments: 3,
            workers: 2,
            threads_per_worker: 1,
        });
        bars.board.redraw();
        let l = lines(&term);
        assert!(line_of(&l, "program").contains("0/100 frames"), "{l:#?}");
        assert_eq!(line_of(&l, "worker 0"), "worker 0 idle");
        assert_eq!(line_of(&l, "worker 1"), "worker 1 idle");

        bars.event(&ProgressEvent::SegmentStarted {
            segment: 0,
            worker: 0,
            event: 0,
            name: "amur".into(),
            frames: 40,
        });
        bars.event(&ProgressEvent::SegmentCached {
            segment: 2,
            frames: 25,
        });
        bars.event(&ProgressEvent::SegmentProgress {
            segment: 0,
            worker: 0,
            done: 10,
            frames: 40,
        });
        bars.board.redraw();
        let l = lines(&term);
        let program = line_of(&l, "program");
        assert!(program.contains("35/100 frames"), "{l:#?}");
        assert!(rate_is_rounded(program), "rate not rounded: {program:?}");
        assert_eq!(line_of(&l, "worker 0"), "worker 0 segment 0: amur  10/40");
        assert_eq!(line_of(&l, "worker 1"), "worker 1 idle");

        bars.event(&ProgressEvent::SegmentFinished {
            segment: 0,
            worker: 0,
            frames: 40,
            seconds: 0.5,
        });
        bars.board.redraw();
        let l = lines(&term);
        assert!(line_of(&l, "program").contains("65/100 frames"), "{l:#?}");
        assert_eq!(
            line_of(&l, "worker 0"),
            "worker 0 idle",
            "a finished worker keeps no old count"
        );

        bars.event(&ProgressEvent::Assembling { frames: 100 });
        bars.board.redraw();
        let l = lines(&term);
        assert!(
            l.iter().all(|l| !l.contains("worker")),
            "worker lines cleared while joining: {l:#?}"
        );
        assert!(
            line_of(&l, "program").contains("joining segments"),
            "the phase after rendering is said: {l:#?}"
        );

        bars.event(&ProgressEvent::Finished {
            output: "cut.mp4".into(),
            frames: 100,
            program_seconds: 4.0,
            wall_seconds: 1.0,
            speed: 4.0,
        });
        assert_eq!(
            lines(&term),
            Vec::<String>::new(),
            "the bars leave the screen"
        );
    }

    #[test]
    fn batch_bars_count_files_and_clear_idle_lines() {
        let (term, target) = screen();
        let bars = BatchBars::on(target);
        bars.event(&BatchEvent::Started {
            files: 2,
            frames: 50,
            workers: 1,
        });
        bars.event(&BatchEvent::FileStarted {
            file: 0,
            worker: 0,
            input: "a.mov".into(),
            frames: 20,
        });
        bars.event(&BatchEvent::FileProgress {
            file: 0,
            worker: 0,
            done: 5,
            frames: 20,
        });
        bars.board.redraw();
        let l = lines(&term);
        let total = line_of(&l, "0/2 files");
        assert!(total.contains("5/50 frames"), "{l:#?}");
        assert!(rate_is_rounded(total), "rate not rounded: {total:?}");
        assert_eq!(line_of(&l, "worker 0"), "worker 0 a.mov");

        bars.event(&BatchEvent::FileFinished {
            file: 0,
            worker: 0,
            input: "a.mov".into(),
            outcome: "converted".into(),
            frames: 20,
        });
        bars.board.redraw();
        let l = lines(&term);
        assert!(line_of(&l, "1/2 files").contains("20/50 frames"), "{l:#?}");
        assert_eq!(line_of(&l, "worker 0"), "worker 0 idle");

        bars.event(&BatchEvent::FileStarted {
            file: 1,
            worker: 0,
            input: "b.wav".into(),
            frames: 30,
        });
        bars.event(&BatchEvent::FileFinished {
            file: 1,
            worker: 0,
            input: "b.wav".into(),
            outcome: "failed: decode audio failed".into(),
            frames: 30,
        });
        let l = lines(&term);
        assert!(
            l.iter().any(|l| l == "b.wav: failed: decode audio failed"),
            "a failure stays on the screen above the bars: {l:#?}"
        );
        assert!(
            l.iter()
                .all(|l| !l.contains("files") && !l.contains("worker")),
            "the bars leave the screen when the last file is done: {l:#?}"
        );
    }
}
