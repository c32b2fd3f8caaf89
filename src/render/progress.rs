//! Progress as a stream of events: the library reports, the binary displays (bars on a TTY,
//! plain lines, NDJSON or nothing).

use serde::Serialize;

/// One thing that happened during a render.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// Work is about to start.
    Started {
        frames: i64,
        segments: usize,
        workers: usize,
        threads_per_worker: usize,
    },
    /// A segment was found in the cache (it counts as done).
    SegmentCached { segment: usize, frames: i64 },
    /// A worker took a segment.
    SegmentStarted {
        segment: usize,
        worker: usize,
        event: usize,
        name: String,
        frames: i64,
    },
    /// Frames of a segment encoded so far.
    SegmentProgress {
        segment: usize,
        worker: usize,
        done: i64,
        frames: i64,
    },
    /// A segment is complete.
    SegmentFinished {
        segment: usize,
        worker: usize,
        frames: i64,
        seconds: f64,
    },
    /// All segments are done; joining them.
    Assembling { frames: i64 },
    /// The output is complete.
    Finished {
        output: String,
        frames: i64,
        program_seconds: f64,
        wall_seconds: f64,
        speed: f64,
    },
}

/// Receives progress events. Called from worker threads.
pub trait Progress: Sync {
    fn event(&self, e: &ProgressEvent);
}

/// Ignores every event.
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: &ProgressEvent) {}
}
