//! Captures the tracing output of the whole test process in a buffer.
//!
//! One global subscriber, installed before the first client is built: a
//! thread-local one would miss callsites whose interest another test thread
//! computed first.

use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing_subscriber::fmt::format::FmtSpan;

static OUTPUT: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Appends to the shared buffer.
struct Writer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (every event and span close, at every
/// level, of every crate), once.
pub fn init() {
    OUTPUT.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_span_events(FmtSpan::CLOSE)
            .with_writer(move || Writer(Arc::clone(&sink)))
            .try_init()
            .expect("no other global subscriber");
        buffer
    });
}

/// Everything traced so far.
pub fn output() -> String {
    init();
    let buffer = OUTPUT.get().expect("initialised");
    String::from_utf8_lossy(&buffer.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
}
