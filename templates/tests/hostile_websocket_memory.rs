//! The memory an unread event stream holds while a hostile server sends large frames.
//!
//! Kept in its own test binary: it counts allocations with its own global allocator. Only the
//! test's thread (the client, its task and the consumer) is counted; the loopback server runs
//! on a runtime of its own. Prints its figures (`-- --nocapture`).
#![cfg(feature = "websocket")]

#[path = "support/ws_server.rs"]
mod ws_server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ws_server::*;

/// Counts the bytes allocated by the threads that ask for it, and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Every block starts with a header; its last word is how many bytes the block counted (0 for
/// blocks of threads not counted), so a block freed on another thread is taken off too.
const HEADER: usize = 16;

fn with_header(layout: Layout) -> Option<(Layout, usize)> {
    let align = layout.align().max(HEADER);
    let size = layout.size().checked_add(align)?;
    Layout::from_size_align(size, align).ok().map(|full| (full, align))
}

// SAFETY: every block comes from `System` with a layout that has room for the header before the
// pointer handed out, and is given back with the same layout.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((full, offset)) = with_header(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `full` has a non-zero size.
        let base = unsafe { System.alloc(full) };
        if base.is_null() {
            return base;
        }
        let counted = if COUNTED.try_with(Cell::get).unwrap_or(false) {
            layout.size()
        } else {
            0
        };
        // SAFETY: `offset` >= 16 bytes lie before the pointer handed out, word-aligned.
        let user = unsafe { base.add(offset) };
        unsafe { user.sub(size_of::<usize>()).cast::<usize>().write(counted) };
        if counted > 0 {
            let live = LIVE.fetch_add(counted, Ordering::Relaxed) + counted;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        user
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some((full, offset)) = with_header(layout) else {
            return;
        };
        // SAFETY: `ptr` came from `alloc` with this layout.
        let counted = unsafe { ptr.sub(size_of::<usize>()).cast::<usize>().read() };
        if counted > 0 {
            LIVE.fetch_sub(counted, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr.sub(offset), full) };
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: usize = 1024 * 1024;
/// The stream's byte budget in this test.
const BUDGET: usize = 8 * MIB;
/// The largest frame accepted (the default).
const MAX_FRAME: usize = 16 * MIB;
/// What an unread stream may hold beyond its budget: the decoded event waiting for room, the
/// frame being read (tungstenite's read buffer may be twice its size), and a few MiB of
/// connection state and allocator slack.
const ALLOWANCE: usize = 3 * MAX_FRAME + 4 * MIB;

/// A consumer that stops reading for a while (1 s, for the 30 s of the report) while 1 MiB and
/// 16 MB frames arrive: the bytes held stay under the budget (the stream's own accounting) and
/// the memory under the budget plus a constant; nothing is lost.
#[test]
fn hostile_websocket_unread_stream_memory_is_bounded_in_bytes() {
    let mut server = Server::start_on_own_thread();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    COUNTED.set(true);
    runtime.block_on(async {
        let client = server.client();
        let options = fast()
            .silence_timeout(Duration::from_secs(30))
            .max_buffered_bytes(BUDGET)
            .max_frame_size(MAX_FRAME);
        let (mut stream, mut conn) = connect(&mut server, &client, options).await;
        conn.hello("conn-1").await;
        expect_greeting(&mut stream, "conn-1").await;
        let big = 16_000_000;
        let mut sizes = vec![big; 3];
        sizes.extend([MIB; 32]);
        sizes.extend([big; 3]);
        let sent: usize = sizes.iter().sum();
        let count = sizes.len();
        let baseline = LIVE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        conn.command(Cmd::Events { first_seq: 1, sizes });

        // The consumer does not read for a while.
        let stalled = Instant::now();
        let mut most_buffered = 0;
        while stalled.elapsed() < Duration::from_secs(1) {
            most_buffered = most_buffered.max(stream.buffered_bytes());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let stall_peak = PEAK.load(Ordering::Relaxed) - baseline;
        let written_while_stalled = conn.written.load(Ordering::SeqCst);

        for seq in 1..=count {
            assert_eq!(next_event(&mut stream).await, event_of("posted", seq as i64));
        }
        let peak = PEAK.load(Ordering::Relaxed) - baseline;
        eprintln!(
            "unread stream: {} MiB sent in {count} frames (1 MiB and 16 MB); budget {} MiB; \
             stream accounting at most {:.1} MiB; counted heap over baseline: peak {:.1} MiB \
             while unread (1 s), {:.1} MiB overall; bound + allowance {} MiB; \
             {written_while_stalled} of {count} frames written while unread",
            sent / MIB,
            BUDGET / MIB,
            most_buffered as f64 / MIB as f64,
            stall_peak as f64 / MIB as f64,
            peak as f64 / MIB as f64,
            (BUDGET + ALLOWANCE) / MIB,
        );
        assert!(most_buffered > 0 && most_buffered <= BUDGET, "{most_buffered}");
        assert!(stall_peak <= BUDGET + ALLOWANCE, "peak {stall_peak} while unread");
        assert!(peak <= BUDGET + ALLOWANCE, "peak {peak}");
        assert!(sent > BUDGET + ALLOWANCE, "the test must send more than the bound");
    });
    COUNTED.set(false);
}
