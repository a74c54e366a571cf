//! `cargo xtask contract`: runs the contract test against Stoplight Prism.
//!
//! Installs the pinned Prism (`npm ci` in tests/contract, skipped when node_modules matches the
//! lock file), writes the overlaid spec as JSON to target/contract/spec.json, starts
//! `prism mock` on a free local port, waits until it answers, runs
//! `cargo test -p mattermost-tests --test contract` with `PRISM_URL` set, and always stops the
//! Prism it started (its whole process group, by PID) when it returns, fails or panics.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use mattermost_codegen::load::sha256_hex;

/// How long Prism may take to load the spec and answer.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How long Prism may take to exit after SIGTERM before it gets SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Where node_modules records the sha256 of the lock file it was installed from.
const STAMP: &str = "node_modules/.contract-lock-sha256";

/// Runs the task; the exit code says whether it succeeded.
pub fn run() -> ExitCode {
    let started = Instant::now();
    let result = contract();
    let elapsed = started.elapsed().as_secs_f64();
    match result {
        Ok(true) => {
            eprintln!("contract: passed in {elapsed:.1} s");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("contract: FAILED after {elapsed:.1} s");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("error: contract: {message}");
            ExitCode::FAILURE
        }
    }
}

fn contract() -> Result<bool, String> {
    let root = crate::regen::repo_root();
    let contract_dir = root.join("tests/contract");
    let work = root.join("target/contract");
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;

    npm_ci(&contract_dir)?;
    let spec = work.join("spec.json");
    write_spec(&root, &spec)?;

    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let log_path = work.join("prism.log");
    let prism = Prism::start(&contract_dir, &spec, port, &log_path)?;
    let waited = Instant::now();
    prism.wait_until_ready(port)?;
    eprintln!("contract: Prism (pid {}) answers at {url} after {:.1} s; log in {}", prism.pid(), waited.elapsed().as_secs_f64(), log_path.display());

    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "-p", "mattermost-tests", "--test", "contract"])
        .env("PRISM_URL", &url)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("could not run cargo test: {e}"))?;
    drop(prism);
    if !status.success() {
        eprintln!("contract: the contract test failed; Prism's log is in {}", log_path.display());
    }
    Ok(status.success())
}

/// `npm ci` in `dir`, unless node_modules was installed from the same lock file.
fn npm_ci(dir: &Path) -> Result<(), String> {
    let lock_path = dir.join("package-lock.json");
    let lock = std::fs::read(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let sha = sha256_hex(&lock);
    let stamp = dir.join(STAMP);
    let installed = std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == sha) && prism_bin(dir).exists();
    if installed {
        eprintln!("contract: {} is current (npm ci skipped)", dir.join("node_modules").display());
        return Ok(());
    }
    eprintln!("contract: npm ci in {}", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("could not run npm (Node.js and npm are needed): {e}"))?;
    if !status.success() {
        return Err(format!("npm ci failed in {} ({status})", dir.display()));
    }
    std::fs::write(&stamp, format!("{sha}\n")).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

fn prism_bin(dir: &Path) -> PathBuf {
    dir.join("node_modules/.bin/prism")
}

/// The spec the crate is generated from, as the generator reads it (spec/overlay.yaml applied,
/// unreadable nodes repaired), as JSON: the document Prism serves.
fn write_spec(root: &Path, out: &Path) -> Result<(), String> {
    let spec = crate::spec::overlaid_spec(root)?;
    std::fs::write(out, spec.to_string()).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// A port nothing listens on now (the OS picks it for a socket bound to port 0).
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot find a free port: {e}"))
}

/// The Prism server this task started; dropping it stops it.
struct Prism {
    child: Child,
}

impl Prism {
    fn start(dir: &Path, spec: &Path, port: u16, log_path: &Path) -> Result<Prism, String> {
        let log = File::create(log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
        let child = Command::new(prism_bin(dir))
            .arg("mock")
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--errors", "false"])
            .arg(spec)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group, so that stopping it stops whatever it spawned too.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", prism_bin(dir).display()))?;
        Ok(Prism { child })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls until Prism answers an HTTP request, it exits, or the timeout passes.
    fn wait_until_ready(&self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        loop {
            if answers(addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("Prism did not answer on {addr} within {} s", STARTUP_TIMEOUT.as_secs()));
            }
            if self.has_exited() {
                return Err("Prism exited before it answered; see target/contract/prism.log".into());
            }
            sleep(Duration::from_millis(250));
        }
    }

    /// Whether Prism has exited. Read from /proc without reaping it, so that its PID, and so
    /// its process group's id, stays reserved until `Drop` has signalled the group.
    fn has_exited(&self) -> bool {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())) else { return true };
        // The state follows the command name, which is in parentheses and may contain any byte.
        let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
        matches!(state, None | Some("Z" | "X"))
    }

    /// Sends `signal` to Prism's process group.
    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill").args([signal, "--", &format!("-{}", self.pid())]).stderr(Stdio::null()).status();
    }
}

impl Drop for Prism {
    /// Stops the process group: SIGTERM, then SIGKILL for anything left after a few seconds,
    /// then reaps Prism. Runs on success, on failure and while unwinding from a panic.
    fn drop(&mut self) {
        let was_running = !self.has_exited();
        self.signal_group("-TERM");
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !self.has_exited() && Instant::now() < deadline {
            sleep(Duration::from_millis(100));
        }
        let ignored_term = !self.has_exited();
        self.signal_group("-KILL");
        let _ = self.child.wait();
        match (was_running, ignored_term) {
            (false, _) => eprintln!("contract: Prism (pid {}) had already exited", self.pid()),
            (true, false) => eprintln!("contract: stopped Prism (pid {})", self.pid()),
            (true, true) => eprintln!("contract: killed Prism (pid {}) after it ignored SIGTERM", self.pid()),
        }
    }
}

/// Whether an HTTP server at `addr` answers a request with a status line.
fn answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /api/v4/system/ping HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}
