//! Request bodies for hyper, which sends from its own connection tasks and so needs a `Send`
//! body, while actix's request payload lives on the worker that accepted the request.
//!
//! The payload is pumped by a task on that worker into a small bounded channel: the pump waits
//! while hyper is not reading, and the payload stops reading the client's socket in turn, so a
//! 100 MB upload is never held in memory. If the upstream request is dropped (the client left,
//! the API server failed), the channel closes and the pump stops with it.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::web::{Bytes, Payload};
use futures_util::StreamExt;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// Chunks between the client's socket and the upstream connection (each at most what actix read
/// at once, some KiB).
const CHUNKS_IN_FLIGHT: usize = 4;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A forwarded request body: none, or the client's payload as it arrives.
pub(super) struct RequestBody {
    chunks: Option<mpsc::Receiver<Result<Bytes, BoxError>>>,
    /// The client's `Content-Length`, which hyper then sends rather than chunking the body.
    length: Option<u64>,
}

impl RequestBody {
    pub(super) fn empty() -> Self {
        RequestBody {
            chunks: None,
            length: Some(0),
        }
    }

    /// A body Lamplight wrote itself, sent whole.
    pub(super) fn full(bytes: Bytes) -> Self {
        let length = bytes.len() as u64;
        let (sender, chunks) = mpsc::channel(1);
        // The channel has room for this one chunk, and the sender goes: the body ends after it.
        let _ = sender.try_send(Ok(bytes));
        RequestBody {
            chunks: Some(chunks),
            length: Some(length),
        }
    }

    /// Streams `payload` from a task on the current (actix) worker.
    pub(super) fn streamed(mut payload: Payload, length: Option<u64>) -> Self {
        let (sender, chunks) = mpsc::channel(CHUNKS_IN_FLIGHT);
        actix_web::rt::spawn(async move {
            while let Some(chunk) = payload.next().await {
                let failed = chunk.is_err();
                let chunk = chunk.map_err(BoxError::from);
                // A send fails once hyper dropped the body: the upstream request is over.
                if sender.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        RequestBody {
            chunks: Some(chunks),
            length,
        }
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let Some(chunks) = self.chunks.as_mut() else {
            return Poll::Ready(None);
        };
        match chunks.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(chunk.map(Frame::data))),
            Poll::Ready(None) => {
                self.chunks = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.length {
            Some(length) => SizeHint::with_exact(length),
            None => SizeHint::default(),
        }
    }
}
