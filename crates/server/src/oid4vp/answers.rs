//! Group commit for the response endpoint: answers queue here and one writer task records
//! whatever has queued in one transaction ([`store::Store::record_presentation_answers`]).
//!
//! Why: on SQLite every statement is a round trip to the connection's thread and every
//! transaction a WAL commit; answering alone cost seven statements and a commit each, and the
//! hand-offs, not the verification, limited throughput. Nothing waits to fill a group: the writer
//! takes what is queued as soon as it is free, so an idle server records an answer at once and a
//! busy one records many per commit. Each answer is still decided exactly as if alone.

use std::sync::OnceLock;

use store::{PresentationAnswer, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Largest group recorded in one transaction.
const MAX_GROUP: usize = 256;
/// Answers that may wait for the writer before senders are held back.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<store::Result<()>>;

/// The queue; the writer task starts on first use, on the runtime that first uses it.
#[derive(Debug, Default)]
pub struct AnswerQueue {
    sender: OnceLock<mpsc::Sender<(PresentationAnswer, Reply)>>,
}

impl AnswerQueue {
    /// Records `answer` with whatever else is queued; the outcome is this answer's own.
    pub async fn record(&self, store: &Store, answer: PresentationAnswer) -> store::Result<()> {
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_groups(store.clone(), rx));
            tx
        });
        let (reply, outcome) = oneshot::channel();
        match sender.send((answer, reply)).await {
            // The writer drops a reply only when its runtime shuts down, taking this request with it.
            Ok(()) => outcome.await.unwrap_or_else(|_| Err(StoreError::closed())),
            // The writer's runtime is gone (a server restarted inside one process): record alone.
            Err(mpsc::error::SendError((answer, _))) => {
                store.record_presentation_answers(std::slice::from_ref(&answer)).await.pop().unwrap_or(Ok(()))
            }
        }
    }
}

async fn write_groups(store: Store, mut queue: mpsc::Receiver<(PresentationAnswer, Reply)>) {
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut jobs, MAX_GROUP).await > 0 {
        let (answers, replies): (Vec<_>, Vec<_>) = jobs.drain(..).unzip();
        let outcomes = store.record_presentation_answers(&answers).await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // The client may have gone; the answer is recorded either way.
            let _ = reply.send(outcome);
        }
    }
}
