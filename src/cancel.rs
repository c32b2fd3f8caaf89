//! Cancellation, passed down explicitly: a token that the user's interruption (Ctrl-C, SIGTERM)
//! or a failure trips, with child tokens so that one failing piece of work stops its siblings
//! without looking like an interruption to the rest of the program.
//!
//! Tripping a token cancels it and every token below it, never the ones above: a render's
//! worker that fails trips the render's own token (its sibling workers stop), and the command
//! still knows that the user did not interrupt anything.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

const RUNNING: u8 = 0;
const INTERRUPTED: u8 = 1;
const FAILED: u8 = 2;

#[derive(Debug)]
struct Node {
    state: AtomicU8,
    parent: Option<Arc<Node>>,
}

/// Why work stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The user interrupted (Ctrl-C, SIGTERM).
    Interrupted,
    /// Other work under the same token failed.
    Failed,
}

/// A cancellation token (cheap to clone; clones share their state).
#[derive(Debug, Clone)]
pub struct Cancel {
    node: Arc<Node>,
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

impl Cancel {
    /// A root token.
    pub fn new() -> Cancel {
        Cancel {
            node: Arc::new(Node {
                state: AtomicU8::new(RUNNING),
                parent: None,
            }),
        }
    }

    /// A token cancelled whenever this one is, and which can be cancelled on its own.
    pub(crate) fn child(&self) -> Cancel {
        Cancel {
            node: Arc::new(Node {
                state: AtomicU8::new(RUNNING),
                parent: Some(self.node.clone()),
            }),
        }
    }

    /// The user interrupted: stop everything under this token.
    pub fn interrupt(&self) {
        let _ = self.node.state.compare_exchange(
            RUNNING,
            INTERRUPTED,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Something under this token failed: stop the rest of it.
    pub(crate) fn fail(&self) {
        let _ =
            self.node
                .state
                .compare_exchange(RUNNING, FAILED, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Why this token is cancelled (by itself or any token above it; an interruption anywhere
    /// wins over a failure), or `None` while the work may go on.
    pub(crate) fn reason(&self) -> Option<Reason> {
        let mut found = None;
        let mut node = Some(&self.node);
        while let Some(n) = node {
            match n.state.load(Ordering::Relaxed) {
                INTERRUPTED => return Some(Reason::Interrupted),
                FAILED => found = Some(Reason::Failed),
                _ => {}
            }
            node = n.parent.as_ref();
        }
        found
    }

    /// Whether the work should stop.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.reason().is_some()
    }

    /// Whether the user interrupted (here or above).
    pub fn interrupted(&self) -> bool {
        self.reason() == Some(Reason::Interrupted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_stops_siblings_below_not_the_parent() {
        let root = Cancel::new();
        let render = root.child();
        let worker = render.child();
        render.fail();
        assert!(worker.is_cancelled());
        assert_eq!(worker.reason(), Some(Reason::Failed));
        assert!(!root.is_cancelled(), "the caller's token is untouched");
        assert!(!worker.interrupted());
    }

    #[test]
    fn an_interruption_reaches_every_child() {
        let root = Cancel::new();
        let (a, b) = (root.child(), root.child().child());
        root.interrupt();
        assert!(a.interrupted() && b.interrupted());
        // A later failure does not turn an interruption into a failure.
        a.fail();
        assert_eq!(a.reason(), Some(Reason::Interrupted));
    }

    #[test]
    fn siblings_are_independent() {
        let root = Cancel::new();
        let (a, b) = (root.child(), root.child());
        a.fail();
        assert!(a.is_cancelled());
        assert!(!b.is_cancelled());
    }
}
