//! A loopback TCP proxy in front of the live server that the test can cut: every open
//! connection through it is closed at once, and new ones are closed as soon as they are
//! accepted, until it is restored. The client under test sees its socket die as it would when a
//! network drops; the server sees the proxy's side close and keeps the connection's state.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The proxy; dropping it stops accepting and closes every connection through it.
pub struct CutProxy {
    /// `http://127.0.0.1:<port>`: the base URL to give the client.
    pub url: String,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

struct Shared {
    up: AtomicBool,
    /// Bumped by every cut; each relay ends when it changes.
    cuts: watch::Sender<u64>,
    /// Connections accepted while up and relayed to the server.
    relayed: AtomicUsize,
}

impl CutProxy {
    /// Listens on a free loopback port and relays to `upstream` (`host:port`).
    pub async fn start(upstream: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let shared = Arc::new(Shared {
            up: AtomicBool::new(true),
            cuts: watch::channel(0).0,
            relayed: AtomicUsize::new(0),
        });
        let state = Arc::clone(&shared);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !state.up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                state.relayed.fetch_add(1, Ordering::SeqCst);
                let mut cut = state.cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                    // Both sockets close here, without a WebSocket Close frame.
                });
            }
        });
        CutProxy { url, shared, accept }
    }

    /// Closes every connection through the proxy and refuses new ones until [`restore`](Self::restore).
    pub fn cut(&self) {
        self.shared.up.store(false, Ordering::SeqCst);
        self.shared.cuts.send_modify(|n| *n += 1);
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.shared.up.store(true, Ordering::SeqCst);
    }

    /// How many connections were relayed to the server so far.
    pub fn relayed(&self) -> usize {
        self.shared.relayed.load(Ordering::SeqCst)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
