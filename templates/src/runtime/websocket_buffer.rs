//! The items of an event stream waiting for its consumer: at most so many, and at most so many
//! bytes of frames.
//!
//! The stream's task waits for room before it reads the next frame from the socket, so an
//! unread stream holds at most the byte budget, plus the one item waiting for room, plus the
//! socket library's read buffer (one frame at most).

use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::error::Result;

/// One item in the buffer, with the share of the byte budget it holds until it is taken.
struct Held<E> {
    item: Result<E>,
    _bytes: Option<OwnedSemaphorePermit>,
}

/// The task's end of the buffer.
pub(super) struct ItemSender<E> {
    items: mpsc::Sender<Held<E>>,
    bytes: Arc<Semaphore>,
    max_bytes: u32,
}

impl<E> Clone for ItemSender<E> {
    fn clone(&self) -> Self {
        ItemSender {
            items: self.items.clone(),
            bytes: Arc::clone(&self.bytes),
            max_bytes: self.max_bytes,
        }
    }
}

/// The consumer's end of the buffer.
pub(super) struct ItemReceiver<E> {
    items: mpsc::Receiver<Held<E>>,
    bytes: Arc<Semaphore>,
    max_bytes: u32,
}

/// A buffer of at most `max_items` items and `max_bytes` bytes (both at least 1; the byte
/// budget at most `u32::MAX`).
pub(super) fn channel<E>(max_items: usize, max_bytes: usize) -> (ItemSender<E>, ItemReceiver<E>) {
    let max_bytes = u32::try_from(max_bytes.max(1)).unwrap_or(u32::MAX);
    let (sender, receiver) = mpsc::channel(max_items.max(1));
    let bytes = Arc::new(Semaphore::new(max_bytes as usize));
    (
        ItemSender {
            items: sender,
            bytes: Arc::clone(&bytes),
            max_bytes,
        },
        ItemReceiver {
            items: receiver,
            bytes,
            max_bytes,
        },
    )
}

impl<E> ItemSender<E> {
    /// Queues `item`, which holds `bytes` of the budget, waiting for room: for the whole budget
    /// when it is larger, so that such an item waits until the buffer is empty. `false` when
    /// the consumer has gone.
    pub(super) async fn send(&self, item: Result<E>, bytes: usize) -> bool {
        let share = u32::try_from(bytes).unwrap_or(u32::MAX).min(self.max_bytes);
        let permit = if share == 0 {
            None
        } else {
            tokio::select! {
                permit = Arc::clone(&self.bytes).acquire_many_owned(share) => match permit {
                    Ok(permit) => Some(permit),
                    Err(_) => return false,
                },
                () = self.items.closed() => return false,
            }
        };
        self.items
            .send(Held {
                item,
                _bytes: permit,
            })
            .await
            .is_ok()
    }

    /// Completes when the consumer has gone.
    pub(super) async fn closed(&self) {
        self.items.closed().await;
    }
}

impl<E> ItemReceiver<E> {
    /// The next item; its bytes are given back to the budget.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<E>>> {
        self.items.poll_recv(cx).map(|held| held.map(|held| held.item))
    }

    /// How many items wait.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// How many bytes of frames the waiting items hold.
    pub(super) fn bytes(&self) -> usize {
        (self.max_bytes as usize).saturating_sub(self.bytes.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn recv<E>(receiver: &mut ItemReceiver<E>) -> Option<Result<E>> {
        match receiver.poll_recv(&mut Context::from_waker(std::task::Waker::noop())) {
            Poll::Ready(item) => item,
            Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn bytes_are_bounded_and_given_back() {
        let (sender, mut receiver) = channel::<u32>(100, 1000);
        assert!(sender.send(Ok(1), 600).await);
        assert!(sender.send(Ok(2), 0).await);
        assert_eq!((receiver.len(), receiver.bytes()), (2, 600));
        // No room for 500 more bytes until the first item is taken.
        let blocked = tokio::time::timeout(Duration::from_millis(50), sender.send(Ok(3), 500)).await;
        assert!(blocked.is_err());
        assert!(matches!(recv(&mut receiver), Some(Ok(1))));
        assert_eq!(receiver.bytes(), 0);
        assert!(sender.send(Ok(3), 500).await);
        // An item larger than the budget takes all of it.
        let sender2 = sender.clone();
        let huge = tokio::spawn(async move { sender2.send(Ok(4), 5000).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!huge.is_finished());
        assert!(matches!(recv(&mut receiver), Some(Ok(2))));
        assert!(matches!(recv(&mut receiver), Some(Ok(3))));
        assert!(huge.await.unwrap_or(false));
        assert_eq!(receiver.bytes(), 1000);
        drop(receiver);
        assert!(!sender.send(Ok(5), 10).await);
    }
}
