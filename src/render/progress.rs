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

impl ProgressEvent {
    /// Every `type` a render can emit, in the order a render emits them.
    pub const TYPES: [&'static str; 7] = [
        "started",
        "segment_cached",
        "segment_started",
        "segment_progress",
        "segment_finished",
        "assembling",
        "finished",
    ];

    /// This event's `type` (as serialised).
    pub fn type_name(&self) -> &'static str {
        match self {
            ProgressEvent::Started { .. } => "started",
            ProgressEvent::SegmentCached { .. } => "segment_cached",
            ProgressEvent::SegmentStarted { .. } => "segment_started",
            ProgressEvent::SegmentProgress { .. } => "segment_progress",
            ProgressEvent::SegmentFinished { .. } => "segment_finished",
            ProgressEvent::Assembling { .. } => "assembling",
            ProgressEvent::Finished { .. } => "finished",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_serialises_with_its_listed_type() {
        let events = [
            ProgressEvent::Started {
                frames: 1,
                segments: 1,
                workers: 1,
                threads_per_worker: 1,
            },
            ProgressEvent::SegmentCached {
                segment: 0,
                frames: 1,
            },
            ProgressEvent::SegmentStarted {
                segment: 0,
                worker: 0,
                event: 0,
                name: String::new(),
                frames: 1,
            },
            ProgressEvent::SegmentProgress {
                segment: 0,
                worker: 0,
                done: 1,
                frames: 1,
            },
            ProgressEvent::SegmentFinished {
                segment: 0,
                worker: 0,
                frames: 1,
                seconds: 0.0,
            },
            ProgressEvent::Assembling { frames: 1 },
            ProgressEvent::Finished {
                output: String::new(),
                frames: 1,
                program_seconds: 0.0,
                wall_seconds: 0.0,
                speed: 0.0,
            },
        ];
        let names: Vec<&str> = events.iter().map(ProgressEvent::type_name).collect();
        assert_eq!(names, ProgressEvent::TYPES);
        for e in &events {
            let v = serde_json::to_value(e).unwrap();
            assert_eq!(v["type"], e.type_name());
        }
    }
}
