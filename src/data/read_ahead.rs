//! Reading ahead: a [`BatchReader`] on a thread of its own reads and parses the next batch
//! (and feeds the file's SHA-256) while the caller scores this one. At most one batch waits
//! read, so memory stays bounded by two batches. Batches and errors come in file order,
//! exactly as [`BatchReader::next_batch`] gives them; when the thread cannot be started the
//! batches are read on the caller's thread.

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use polars::prelude::DataFrame;

use super::load::{BatchReader, LoadError};

type Next = Result<Option<DataFrame>, LoadError>;

/// A [`BatchReader`] reading one batch ahead.
pub enum ReadAhead {
    /// Read on a thread; `reader` is `None` once joined.
    Thread { batches: Receiver<Next>, reader: Option<JoinHandle<BatchReader>>, done: bool },
    /// Read on the caller's thread.
    Here(Box<BatchReader>),
}

/// Whether a result ends the reading (the last batch was read, or it failed).
fn ends(next: &Next) -> bool {
    !matches!(next, Ok(Some(_)))
}

impl ReadAhead {
    /// Starts reading `reader`'s batches on a thread (on this one if none can be started).
    pub fn new(reader: BatchReader) -> ReadAhead {
        let (tx, batches) = sync_channel::<Next>(1);
        // Handed over through a slot, so that it is still here if the thread cannot start.
        let slot = Arc::new(Mutex::new(Some(reader)));
        let theirs = Arc::clone(&slot);
        let spawned = std::thread::Builder::new().name("leadscore-read".into()).spawn(move || {
            let mut reader = theirs.lock().map(|mut r| r.take()).ok().flatten().expect("the reader is in the slot");
            loop {
                let next = reader.next_batch();
                let end = ends(&next);
                if tx.send(next).is_err() || end {
                    return reader;
                }
            }
        });
        match spawned {
            Ok(h) => ReadAhead::Thread { batches, reader: Some(h), done: false },
            Err(_) => ReadAhead::Here(Box::new(
                slot.lock().map(|mut r| r.take()).ok().flatten().expect("no thread took the reader"),
            )),
        }
    }

    /// The next batch, as [`BatchReader::next_batch`].
    pub fn next_batch(&mut self) -> Next {
        match self {
            ReadAhead::Here(r) => r.next_batch(),
            ReadAhead::Thread { done: true, .. } => Ok(None),
            ReadAhead::Thread { batches, reader, done } => match batches.recv() {
                Ok(next) => {
                    *done = ends(&next);
                    next
                }
                Err(_) => {
                    // The thread ended before the end of the input: it panicked, and so does
                    // the caller, with its message.
                    *done = true;
                    match reader.take().map(JoinHandle::join) {
                        Some(Err(panic)) => std::panic::resume_unwind(panic),
                        _ => Ok(None),
                    }
                }
            },
        }
    }

    /// The reader back once every batch was read (for its SHA-256); `None` if reading
    /// stopped before the end.
    pub fn finish(self) -> Option<BatchReader> {
        match self {
            ReadAhead::Here(r) => Some(*r),
            ReadAhead::Thread { reader, done: true, .. } => reader.and_then(|h| h.join().ok()),
            ReadAhead::Thread { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_come_in_order_with_the_file_hash_and_errors_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        let body: String = std::iter::once("id,x\n".to_string()).chain((0..25).map(|i| format!("{i},{}\n", i * 2))).collect();
        std::fs::write(&p, &body).unwrap();
        let options = super::super::load::ReadOptions { sha256: true, ..Default::default() };
        let mut here = BatchReader::open_with(&p, 10, &options).unwrap();
        let mut ahead = ReadAhead::new(BatchReader::open_with(&p, 10, &options).unwrap());
        assert!(matches!(ahead, ReadAhead::Thread { .. }));
        let mut heights = Vec::new();
        loop {
            let (a, b) = (here.next_batch().unwrap(), ahead.next_batch().unwrap());
            assert_eq!(a, b);
            let Some(df) = a else { break };
            heights.push(df.height());
        }
        assert_eq!(heights, vec![10, 10, 5]);
        assert_eq!(ahead.next_batch().unwrap(), None, "after the end, the end again");
        assert_eq!(ahead.finish().unwrap().sha256(), here.sha256());
        assert!(here.sha256().is_some());
        // A bad row: the batches before it, then its error, as the reader gives them.
        std::fs::write(&p, format!("{body}1,2,3\n")).unwrap();
        let mut here = BatchReader::open_with(&p, 10, &options).unwrap();
        let mut ahead = ReadAhead::new(BatchReader::open_with(&p, 10, &options).unwrap());
        let mut good = 0;
        let error = loop {
            match (here.next_batch(), ahead.next_batch()) {
                (Ok(Some(a)), Ok(Some(b))) => {
                    assert_eq!(a, b);
                    good += 1;
                }
                (Err(a), Err(b)) => break (a.to_string(), b.to_string()),
                (a, b) => panic!("read here {a:?}, ahead {b:?}"),
            }
        };
        assert_eq!(error.0, error.1);
        assert!(error.0.contains("26"), "{}", error.0);
        assert_eq!(good, 2);
        assert_eq!(ahead.next_batch().unwrap(), None, "nothing after the error");
        assert!(ahead.finish().is_some());
    }
}
