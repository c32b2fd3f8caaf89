//! The worker queue that render (segments) and transcode (files) share, and the budget that
//! sizes it: computed once at the top from the machine's cores and `--jobs`, and passed down.

use crate::cancel::Cancel;

/// How much of the machine a piece of work may use: `workers` side by side, sharing `threads`
/// threads in all (decoders and filter graphs; each encoder runs on one thread so that output
/// bytes do not depend on the machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub workers: usize,
    pub threads: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(1, 1)
    }
}

impl Budget {
    /// `workers` workers sharing `threads` threads (each at least 1).
    pub fn new(workers: usize, threads: usize) -> Budget {
        Budget {
            workers: workers.max(1),
            threads: threads.max(1),
        }
    }

    /// Workers to run for `tasks` tasks, and threads for each: workers × threads ≈ the budget's
    /// threads, never more workers than tasks.
    pub(crate) fn for_tasks(&self, tasks: usize) -> (usize, usize) {
        let workers = self.workers.min(tasks.max(1));
        (workers, (self.threads / workers).max(1))
    }

    /// One of `n` equal shares, for `n` pieces of work side by side.
    pub(crate) fn share(&self, n: usize) -> Budget {
        let n = n.max(1);
        Budget::new(self.workers / n, self.threads / n)
    }
}

/// Run `work(worker, item)` for every item of `order`, in that order, on `workers` named
/// threads; each worker takes the next item when it is free. Stops taking items once `cancel`
/// is tripped (work in progress is stopped by `work` itself, which is handed the token).
pub(crate) fn run<T: Sync>(
    name: &str,
    workers: usize,
    order: &[T],
    cancel: &Cancel,
    work: impl Fn(usize, &T) + Sync,
) -> std::io::Result<()> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let mut spawned = Vec::new();
        for worker in 0..workers.max(1) {
            let (next, work) = (&next, &work);
            let h = std::thread::Builder::new()
                .name(format!("{name}-{worker}"))
                .spawn_scoped(s, move || loop {
                    if cancel.is_cancelled() {
                        return;
                    }
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = order.get(k) else { return };
                    work(worker, item);
                })?;
            spawned.push(h);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn budgets_never_oversubscribe() {
        let b = Budget::new(4, 8);
        assert_eq!(b.for_tasks(10), (4, 2));
        assert_eq!(
            b.for_tasks(2),
            (2, 4),
            "fewer tasks: fewer workers, more threads each"
        );
        assert_eq!(b.for_tasks(0), (1, 8));
        assert_eq!(b.share(2), Budget::new(2, 4));
        assert_eq!(b.share(16), Budget::new(1, 1), "a share is never empty");
    }

    #[test]
    fn every_item_runs_once_in_order_of_taking() {
        let done = Mutex::new(Vec::new());
        let items: Vec<usize> = (0..50).collect();
        run("test", 3, &items, &Cancel::new(), |_, &i| {
            done.lock().unwrap().push(i);
        })
        .unwrap();
        let mut d = done.into_inner().unwrap();
        d.sort_unstable();
        assert_eq!(d, items);
    }

    #[test]
    fn a_tripped_token_stops_taking_items() {
        let cancel = Cancel::new();
        let done = Mutex::new(0);
        let items: Vec<usize> = (0..100).collect();
        run("test", 2, &items, &cancel, |_, &i| {
            *done.lock().unwrap() += 1;
            if i == 3 {
                cancel.fail();
            }
        })
        .unwrap();
        let n = done.into_inner().unwrap();
        assert!(
            (4..=6).contains(&n),
            "stopped soon after the failure: {n} items ran"
        );
    }
}
