//! The live harness: a real Mattermost server on a fresh PostgreSQL cluster, both on loopback.
//!
//! `LiveServer::start()` makes a temporary folder, initialises a PostgreSQL cluster in it
//! (`initdb`, as the `postgres` user when the tests run as root, which PostgreSQL refuses),
//! starts `postgres` on a free loopback port, then the Mattermost server built by
//! `cargo xtask live` on another one, configured only through its environment (everything that
//! would reach the internet switched off), waits until `/api/v4/system/ping` answers, and
//! creates the first user, who becomes the system admin. Dropping the `LiveServer` stops both
//! process groups (SIGTERM, then SIGKILL) and removes the folder: on success, on failure and
//! while unwinding from a panic.
//!
//! It reads two variables that `cargo xtask live` sets: `MATTERMOST_LIVE_SERVER` (the server
//! binary) and `MATTERMOST_LIVE_ASSETS` (the server module's folder in the Go module cache, for
//! `i18n/`, `templates/` and `fonts/`). `MATTERMOST_LIVE_PG_BIN` overrides where PostgreSQL's
//! programs are (default: the newest `/usr/lib/postgresql/*/bin`). Anything missing is an error,
//! never a skip. The server's log is kept in `target/live/logs/` when it is given by
//! `MATTERMOST_LIVE_LOGS`.

#![allow(dead_code)] // Each live test binary uses part of it.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long PostgreSQL and the server each may take to become ready.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a process group may take to exit after its polite signal.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The first user's credentials: the system admin.
pub const ADMIN_USERNAME: &str = "sysadmin";
/// The admin's email.
pub const ADMIN_EMAIL: &str = "sysadmin@example.com";
/// The admin's password (the server's default policy wants 8 characters or more).
pub const ADMIN_PASSWORD: &str = "Sys-admin-password-1";

/// The server's settings, as its environment variables: loopback only, nothing that phones
/// home (telemetry, security and version checks, notices, marketplace, push proxy, link
/// previews, image proxy, GIF picker), and the features the live tests exercise switched on.
/// Names and defaults: `server/public/model/config.go` (`Config` and its `*Settings` structs).
const SERVER_SETTINGS: &[(&str, &str)] = &[
    ("MM_SQLSETTINGS_DRIVERNAME", "postgres"),
    ("MM_PLUGINSETTINGS_ENABLE", "false"),
    ("MM_PLUGINSETTINGS_ENABLEMARKETPLACE", "false"),
    ("MM_PLUGINSETTINGS_ENABLEREMOTEMARKETPLACE", "false"),
    ("MM_PLUGINSETTINGS_AUTOMATICPREPACKAGEDPLUGINS", "false"),
    ("MM_PLUGINSETTINGS_ENABLEUPLOADS", "false"),
    ("MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS", "false"),
    ("MM_EMAILSETTINGS_SENDPUSHNOTIFICATIONS", "false"),
    ("MM_EMAILSETTINGS_REQUIREEMAILVERIFICATION", "false"),
    ("MM_LOGSETTINGS_ENABLECONSOLE", "true"),
    ("MM_LOGSETTINGS_CONSOLELEVEL", "WARN"),
    ("MM_LOGSETTINGS_CONSOLEJSON", "false"),
    ("MM_LOGSETTINGS_ENABLEFILE", "false"),
    ("MM_LOGSETTINGS_ENABLEDIAGNOSTICS", "false"),
    ("MM_LOGSETTINGS_ENABLESENTRY", "false"),
    ("MM_NOTIFICATIONLOGSETTINGS_ENABLEFILE", "false"),
    ("MM_NOTIFICATIONLOGSETTINGS_ENABLECONSOLE", "false"),
    ("MM_SERVICESETTINGS_ENABLESECURITYFIXALERT", "false"),
    ("MM_SERVICESETTINGS_ENABLELINKPREVIEWS", "false"),
    ("MM_SERVICESETTINGS_ENABLEPERMALINKPREVIEWS", "false"),
    ("MM_SERVICESETTINGS_ENABLEGIFPICKER", "false"),
    ("MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS", "true"),
    ("MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION", "true"),
    ("MM_SERVICESETTINGS_ENABLEOAUTHSERVICEPROVIDER", "true"),
    ("MM_SERVICESETTINGS_ENABLEINCOMINGWEBHOOKS", "true"),
    ("MM_SERVICESETTINGS_ENABLEOUTGOINGWEBHOOKS", "true"),
    ("MM_SERVICESETTINGS_ENABLECOMMANDS", "true"),
    ("MM_SERVICESETTINGS_ENABLECUSTOMEMOJI", "true"),
    ("MM_SERVICESETTINGS_ENABLEMULTIFACTORAUTHENTICATION", "true"),
    ("MM_SERVICESETTINGS_ENABLEPOSTUSERNAMEOVERRIDE", "true"),
    ("MM_SERVICESETTINGS_ENABLEPOSTICONOVERRIDE", "true"),
    ("MM_SERVICESETTINGS_ENABLEAPITEAMDELETION", "true"),
    ("MM_SERVICESETTINGS_ENABLEAPIUSERDELETION", "true"),
    ("MM_SERVICESETTINGS_ENABLEAPICHANNELDELETION", "true"),
    ("MM_SERVICESETTINGS_ENABLEAPITRIGGERADMINNOTIFICATIONS", "true"),
    ("MM_SERVICESETTINGS_ENABLECUSTOMGROUPS", "true"),
    ("MM_SERVICESETTINGS_COLLAPSEDTHREADS", "default_on"),
    ("MM_SERVICESETTINGS_ENABLELOCALMODE", "false"),
    ("MM_SERVICESETTINGS_ENABLEINSECUREOUTGOINGCONNECTIONS", "false"),
    // Outgoing webhooks and slash commands only ever point at a loopback listener.
    ("MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS", "127.0.0.1 localhost"),
    ("MM_IMAGEPROXYSETTINGS_ENABLE", "false"),
    ("MM_ANNOUNCEMENTSETTINGS_ADMINNOTICESENABLED", "false"),
    ("MM_ANNOUNCEMENTSETTINGS_USERNOTICESENABLED", "false"),
    ("MM_TEAMSETTINGS_ENABLEOPENSERVER", "true"),
    ("MM_TEAMSETTINGS_MAXUSERSPERTEAM", "1000"),
    ("MM_RATELIMITSETTINGS_ENABLE", "false"),
    ("MM_METRICSSETTINGS_ENABLE", "false"),
    ("MM_BLEVESETTINGS_ENABLEINDEXING", "false"),
    ("MM_ELASTICSEARCHSETTINGS_ENABLEINDEXING", "false"),
    ("MM_CLUSTERSETTINGS_ENABLE", "false"),
    ("MM_EXPERIMENTALSETTINGS_ENABLESHAREDCHANNELS", "false"),
    ("MM_EXPERIMENTALSETTINGS_ENABLEREMOTECLUSTERSERVICE", "false"),
    ("MM_GUESTACCOUNTSSETTINGS_ENABLE", "false"),
    // Features behind flags in this server (server/public/model/feature_flags.go).
    ("MM_FEATUREFLAGS_CHANNELBOOKMARKS", "true"),
    ("MM_FEATUREFLAGS_MOVETHREADSENABLED", "true"),
];

/// A running Mattermost server on its own PostgreSQL; stops both when dropped.
pub struct LiveServer {
    /// `http://127.0.0.1:<port>`: what a client is built with.
    pub base_url: String,
    /// The first user's login (username): the system admin.
    pub admin_login: &'static str,
    /// The admin's password.
    pub admin_password: &'static str,
    /// The admin's user id.
    pub admin_id: String,
    /// How long the server took to answer its ping after it was started.
    pub server_start: Duration,
    // Field order is drop order: the server stops before its database.
    server: Guard,
    postgres: Guard,
    root: TempRoot,
}

impl LiveServer {
    /// Starts PostgreSQL and the server with the default settings; see the module docs.
    pub fn start() -> Result<LiveServer, String> {
        Self::start_with(&[])
    }

    /// Starts them with extra (or overriding) `MM_*` settings, e.g. rate limiting on.
    pub fn start_with(settings: &[(&str, &str)]) -> Result<LiveServer, String> {
        let binary = required_path("MATTERMOST_LIVE_SERVER")?;
        let assets = required_path("MATTERMOST_LIVE_ASSETS")?;
        let pg_bin = postgres_bin()?;
        let root = TempRoot::create()?;
        let postgres = start_postgres(&pg_bin, root.path())?;
        let pg_port = postgres.port;
        let postgres = postgres.guard;
        let port = free_port()?;
        let base_url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let server = start_server(&binary, &assets, root.path(), port, pg_port, &base_url, settings)?;
        wait_until(STARTUP_TIMEOUT, &server, "the Mattermost server", || http_status(port, "GET", "/api/v4/system/ping", None) == Some(200))
            .map_err(|e| format!("{e}; its log: {}", tail(&root.path().join("server.log"))))?;
        let server_start = started.elapsed();
        let mut live = LiveServer {
            base_url,
            admin_login: ADMIN_USERNAME,
            admin_password: ADMIN_PASSWORD,
            admin_id: String::new(),
            server_start,
            server,
            postgres,
            root,
        };
        live.admin_id = create_admin(port)?;
        Ok(live)
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.base_url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0)
    }

    /// The process ids of the server and of PostgreSQL's postmaster (each leads its group).
    pub fn pids(&self) -> [u32; 2] {
        [self.server.pid(), self.postgres.pid()]
    }

    /// The temporary folder that holds the cluster, the files and the logs.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The last lines of the server's log (for a failure message).
    pub fn server_log_tail(&self) -> String {
        tail(&self.root.path().join("server.log"))
    }
}

/// A variable naming a path that must exist.
fn required_path(name: &str) -> Result<PathBuf, String> {
    let value = std::env::var_os(name)
        .ok_or_else(|| format!("{name} is not set: run the live tests with `cargo xtask live`, which builds the server and sets it"))?;
    let path = PathBuf::from(value);
    if !path.exists() {
        return Err(format!("{name}={} does not exist", path.display()));
    }
    Ok(path)
}

/// PostgreSQL's programs: `MATTERMOST_LIVE_PG_BIN`, or the newest `/usr/lib/postgresql/*/bin`.
fn postgres_bin() -> Result<PathBuf, String> {
    if std::env::var_os("MATTERMOST_LIVE_PG_BIN").is_some() {
        return required_path("MATTERMOST_LIVE_PG_BIN");
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("PostgreSQL is not installed (/usr/lib/postgresql: {e}); `apt-get install postgresql`, or set MATTERMOST_LIVE_PG_BIN"))?
        .filter_map(Result::ok)
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb; `apt-get install postgresql`".to_string())
}

/// A temporary folder, removed (with everything in it) when dropped.
struct TempRoot(PathBuf);

impl TempRoot {
    fn create() -> Result<TempRoot, String> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("mattermost-live-{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(TempRoot(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        if let Some(logs) = std::env::var_os("MATTERMOST_LIVE_LOGS") {
            let logs = PathBuf::from(logs);
            let _ = std::fs::create_dir_all(&logs);
            let name = self.0.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            for log in ["server.log", "postgres.log"] {
                let _ = std::fs::copy(self.0.join(log), logs.join(format!("{name}-{log}")));
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child that leads its own process group; dropping it stops the group.
struct Guard {
    child: Child,
    name: &'static str,
    /// The polite signal: SIGTERM for the server, SIGINT (fast shutdown) for PostgreSQL.
    stop_signal: &'static str,
}

impl Guard {
    fn spawn(command: &mut Command, name: &'static str, stop_signal: &'static str) -> Result<Guard, String> {
        // Its own process group, so that stopping it stops whatever it spawned too.
        let child = command.stdin(Stdio::null()).process_group(0).spawn().map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(Guard { child, name, stop_signal })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited. Read from /proc without reaping it, so that its pid (and so its
    /// group's id) stays reserved until `Drop` has signalled the group.
    fn has_exited(&self) -> bool {
        process_gone(self.pid())
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill").args([signal, "--", &format!("-{}", self.pid())]).stderr(Stdio::null()).status();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.signal_group(self.stop_signal);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !self.has_exited() && Instant::now() < deadline {
            sleep(Duration::from_millis(50));
        }
        if !self.has_exited() {
            eprintln!("live: {} (pid {}) ignored {}; killing its group", self.name, self.pid(), self.stop_signal);
        }
        // Whatever else is left in the group (PostgreSQL's backends, say).
        self.signal_group("-KILL");
        let _ = self.child.wait();
    }
}

/// Whether process `pid` has exited (gone, or a zombie nobody reaped yet).
pub fn process_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return true };
    // The state follows the command name, which is in parentheses and may contain any byte.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    matches!(state, None | Some("Z" | "X"))
}

/// Whether any process is still in process group `pgid`.
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else { return false };
    entries.filter_map(Result::ok).filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).any(|pid| {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
        let Some((_, rest)) = stat.rsplit_once(')') else { return false };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the name: state, ppid, pgrp.
        fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid) && !matches!(fields.first(), Some(&"Z" | &"X"))
    })
}

/// Polls `ready` until it holds, the process exits, or `timeout` passes.
fn wait_until(timeout: Duration, guard: &Guard, what: &str, mut ready: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if ready() {
            return Ok(());
        }
        if guard.has_exited() {
            return Err(format!("{what} exited before it was ready"));
        }
        if Instant::now() > deadline {
            return Err(format!("{what} was not ready within {} s", timeout.as_secs()));
        }
        sleep(Duration::from_millis(100));
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot find a free port: {e}"))
}

/// The `postgres` user's uid and gid when this process is root (PostgreSQL refuses to run as
/// root), `None` otherwise.
fn postgres_identity() -> Result<Option<(u32, u32)>, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    let euid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|u| u.parse::<u32>().ok());
    if euid != Some(0) {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres"))
        .and_then(|f| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))
        .map(Some)
        .ok_or_else(|| "running as root and there is no `postgres` user to run PostgreSQL as (`apt-get install postgresql` makes it)".to_string())
}

/// A started PostgreSQL and its port.
struct Postgres {
    guard: Guard,
    port: u16,
}

/// `initdb` a cluster in `root/pg` (user `mmuser`, trust auth) and start `postgres` on a free
/// loopback port, its socket in that folder too; ready when `postmaster.pid` says so.
fn start_postgres(bin: &Path, root: &Path) -> Result<Postgres, String> {
    let dir = root.join("pg");
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let identity = postgres_identity()?;
    let as_postgres = |command: &mut Command| {
        if let Some((uid, gid)) = identity {
            command.uid(uid).gid(gid);
        }
    };
    if let Some((uid, gid)) = identity {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| format!("cannot give {} to postgres: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let log_path = root.join("postgres.log");
    let log = File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut initdb = Command::new(bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "mmuser", "--auth=trust", "--encoding=UTF8", "--no-sync"])
        .current_dir(&dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log.try_clone().map_err(|e| e.to_string())?);
    as_postgres(&mut initdb);
    let status = initdb.status().map_err(|e| format!("cannot run {}: {e}", bin.join("initdb").display()))?;
    if !status.success() {
        return Err(format!("initdb failed ({status}): {}", tail(&log_path)));
    }
    let port = free_port()?;
    let mut postgres = Command::new(bin.join("postgres"));
    postgres
        .arg("-D")
        .arg(&data)
        .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string(), "-c"])
        .arg(format!("unix_socket_directories={}", dir.display()))
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"])
        .current_dir(&dir)
        .env("LC_ALL", "C")
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    as_postgres(&mut postgres);
    let guard = Guard::spawn(&mut postgres, "PostgreSQL", "-INT")?;
    let pid_file = data.join("postmaster.pid");
    wait_until(STARTUP_TIMEOUT, &guard, "PostgreSQL", || {
        // Its eighth line is the postmaster's status; `ready` once it accepts connections.
        std::fs::read_to_string(&pid_file).is_ok_and(|s| s.lines().nth(7).is_some_and(|l| l.trim() == "ready"))
            && TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), Duration::from_secs(1)).is_ok()
    })
    .map_err(|e| format!("{e}: {}", tail(&log_path)))?;
    Ok(Postgres { guard, port })
}

/// Starts the server in `root/server` (its `i18n/`, `templates/` and `fonts/` linked from the
/// module folder, an empty `config.json`, every setting from the environment).
fn start_server(
    binary: &Path,
    assets: &Path,
    root: &Path,
    port: u16,
    pg_port: u16,
    base_url: &str,
    extra: &[(&str, &str)],
) -> Result<Guard, String> {
    let work = root.join("server");
    let config_dir = work.join("config");
    let files = root.join("files");
    for dir in [&work, &config_dir, &files] {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    for folder in ["i18n", "templates", "fonts", "client"] {
        let target = assets.join(folder);
        if target.exists() {
            std::os::unix::fs::symlink(&target, work.join(folder)).map_err(|e| format!("cannot link {folder}: {e}"))?;
        } else if folder != "client" {
            return Err(format!("{} has no {folder}/ (MATTERMOST_LIVE_ASSETS must be the server module's folder)", assets.display()));
        }
    }
    let config = config_dir.join("config.json");
    std::fs::write(&config, "{}\n").map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let log_path = root.join("server.log");
    let log = File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut command = Command::new(binary);
    command
        .arg("server")
        .arg("--config")
        .arg(&config)
        .current_dir(&work)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &work)
        .envs(SERVER_SETTINGS.iter().copied())
        .env("MM_SQLSETTINGS_DATASOURCE", format!("postgres://mmuser@127.0.0.1:{pg_port}/postgres?sslmode=disable&connect_timeout=10"))
        .env("MM_SERVICESETTINGS_SITEURL", base_url)
        .env("MM_SERVICESETTINGS_LISTENADDRESS", format!("127.0.0.1:{port}"))
        .env("MM_FILESETTINGS_DIRECTORY", &files)
        .envs(extra.iter().copied())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    Guard::spawn(&mut command, "the Mattermost server", "-TERM")
}

/// Creates the first user (the system admin); returns its id.
fn create_admin(port: u16) -> Result<String, String> {
    let body = format!(r#"{{"username":"{ADMIN_USERNAME}","email":"{ADMIN_EMAIL}","password":"{ADMIN_PASSWORD}"}}"#);
    let (status, reply) = http(port, "POST", "/api/v4/users", Some(&body)).ok_or("the server did not answer POST /api/v4/users")?;
    if status != 201 {
        return Err(format!("creating the admin: {status} {reply}"));
    }
    let marker = r#""id":""#;
    let start = reply.find(marker).ok_or_else(|| format!("no id in {reply}"))? + marker.len();
    let end = reply[start..].find('"').ok_or_else(|| format!("no id in {reply}"))?;
    Ok(reply[start..start + end].to_string())
}

/// The status of one HTTP request to the loopback `port`.
fn http_status(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<u16> {
    http(port, method, path, body).map(|(status, _)| status)
}

/// One HTTP/1.0 request to the loopback `port`: its status and body.
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Requested-With: XMLHttpRequest\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    let status = reply.split_whitespace().nth(1)?.parse().ok()?;
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string();
    Some((status, body))
}

/// The last 40 lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    format!("(last lines of {})\n{}", path.display(), lines[lines.len().saturating_sub(40)..].join("\n"))
}
