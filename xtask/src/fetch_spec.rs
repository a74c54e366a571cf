//! `cargo xtask fetch-spec <VERSION|URL>`: gets the spec of a Mattermost release (or one URL)
//! and writes it where the user wants, optionally pinning it in `spec/source.toml`.
//!
//! A release's spec is built the way upstream builds it: the `v4/source/*.yaml` files of the
//! release tag, concatenated in the order the same tag's `api/Makefile` (`build-v4` target)
//! gives. The Playbooks parts that target can splice in are produced by scripts of their own
//! and are left out, as the committed client's spec leaves them out. Repositories that keep
//! the reference at the top level (`mattermost/mattermost-api-reference`: `Makefile` and
//! `v4/source/`) are read the same way.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Where GitHub serves the raw files of a repository: `<base>/<owner>/<name>/<ref>/<path>`.
pub const DEFAULT_BASE_URL: &str = "https://raw.githubusercontent.com";
/// The repository whose release tags (`v9.8.0`) hold `api/Makefile` and `api/v4/source/`.
pub const DEFAULT_REPO: &str = "mattermost/mattermost";
/// The largest file accepted, far above any spec.
const MAX_BYTES: u64 = 64 << 20;
/// Where the Makefile and the source files are, in the layouts tried in order.
const LAYOUTS: &[(&str, &str)] = &[("api/Makefile", "api/v4/source"), ("Makefile", "v4/source")];

/// Options of `cargo xtask fetch-spec`.
#[derive(clap::Args)]
pub struct FetchSpecArgs {
    /// A Mattermost server version (`9.8`, `9.8.1`, `v11.6.0`), or the http(s) URL of one spec file.
    source: String,
    /// Where to write the spec (default: the path spec/source.toml names, which regen reads).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also record the version, the path and the sha256 in spec/source.toml.
    #[arg(long)]
    pin: bool,
    /// Where raw repository files are served, as `<base-url>/<owner>/<name>/<ref>/<path>`.
    #[arg(long, default_value = DEFAULT_BASE_URL)]
    base_url: String,
    /// The repository that holds the API reference.
    #[arg(long, default_value = DEFAULT_REPO)]
    repo: String,
    /// The git ref to read (default: the release tag, `v9.8.0` for `9.8`).
    #[arg(long = "ref")]
    git_ref: Option<String>,
}

/// What a fetch wrote.
#[derive(Debug)]
pub struct Fetched {
    /// Lower-case hex sha256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: usize,
    /// The source files concatenated, in order (empty for a URL).
    pub sources: Vec<String>,
}

/// Runs the task; the exit code says whether it succeeded.
pub fn run(args: &FetchSpecArgs) -> ExitCode {
    match fetch_spec(args, &crate::regen::repo_root()) {
        Ok(fetched) => {
            let from = if fetched.sources.is_empty() { "one file".to_string() } else { format!("{} source files", fetched.sources.len()) };
            eprintln!("fetch-spec: done: {} bytes from {from}, sha256 {}", fetched.bytes, fetched.sha256);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Fetches the spec, writes it, and pins it when asked; `root` is the repository root.
pub fn fetch_spec(args: &FetchSpecArgs, root: &Path) -> Result<Fetched, String> {
    let source_toml = root.join("spec/source.toml");
    let pinned = std::fs::read_to_string(&source_toml).ok();
    let configured = pinned.as_deref().and_then(|text| toml_value(text, "path"));
    let out = match (&args.out, &configured) {
        (Some(out), _) => out.clone(),
        (None, Some(path)) => root.join(path),
        (None, None) => return Err(format!("{} names no `path`; say where to write the spec with --out PATH", source_toml.display())),
    };
    let client = http_client(&args.base_url)?;
    let (text, sources, version) = if is_url(&args.source) {
        eprintln!("fetch-spec: downloading {}", args.source);
        (get(&client, &args.source)?.ok_or_else(|| format!("{} answered 404 Not Found", args.source))?, Vec::new(), None)
    } else {
        let version = release_version(&args.source)?;
        let git_ref = args.git_ref.clone().unwrap_or_else(|| format!("v{version}"));
        let (text, sources) = assemble(&client, args.base_url.trim_end_matches('/'), &args.repo, &git_ref)?;
        (text, sources, Some(version))
    };
    let mut diagnostics = mattermost_codegen::diag::Diagnostics::default();
    if let Err(error) = mattermost_codegen::load::yaml::parse(&String::from_utf8_lossy(&text), &mut diagnostics) {
        return Err(format!(
            "what was downloaded is not one YAML document (line {}: {}); nothing was written",
            error.position.line, error.message
        ));
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let sha256 = mattermost_codegen::load::sha256_hex(&text);
    eprintln!("fetch-spec: wrote {}", out.display());
    if args.pin {
        let text = pinned.ok_or_else(|| format!("cannot read {} to pin the spec", source_toml.display()))?;
        let path = relative_to(&out, root);
        let updated = pin(&text, version.as_deref().map(short_version).as_deref(), &path, &sha256);
        std::fs::write(&source_toml, updated).map_err(|e| format!("cannot write {}: {e}", source_toml.display()))?;
        eprintln!("fetch-spec: pinned it in {}; run `cargo xtask regen` and review the diff", source_toml.display());
    } else if let Some(pinned_sha) = pinned.as_deref().and_then(|text| toml_value(text, "sha256")) {
        if pinned_sha == sha256 {
            eprintln!("fetch-spec: it matches the sha256 spec/source.toml pins");
        } else {
            eprintln!("fetch-spec: spec/source.toml pins another sha256 ({pinned_sha}); add --pin to make this spec the one regen expects");
        }
    }
    Ok(Fetched { sha256, bytes: text.len(), sources })
}

/// What `cargo xtask regen` says when the spec spec/source.toml names is missing.
pub fn missing_spec_message(root: &Path, spec_path: &Path) -> String {
    let text = std::fs::read_to_string(root.join("spec/source.toml")).unwrap_or_default();
    let command = match toml_value(&text, "mattermost_version") {
        Some(version) => format!("`cargo xtask fetch-spec {version}`"),
        None => "`cargo xtask fetch-spec <version>`".to_string(),
    };
    format!(
        "the spec {} that spec/source.toml names is missing; {command} downloads that Mattermost release's spec and writes it there (or pass --spec PATH)",
        spec_path.display()
    )
}

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// The `X.Y.Z` of a release from `9.8`, `9.8.1` or `v9.8.1`.
fn release_version(input: &str) -> Result<String, String> {
    let bare = input.trim().trim_start_matches('v');
    let parts: Vec<&str> = bare.split('.').collect();
    let numeric = parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    match (numeric, parts.len()) {
        (true, 2) => Ok(format!("{bare}.0")),
        (true, 3) => Ok(bare.to_string()),
        _ => Err(format!("`{input}` is neither a Mattermost version (`9.8`, `9.8.1`, `v9.8.1`) nor an http(s) URL")),
    }
}

/// `9.8.0` -> `9.8`, the spelling spec/source.toml uses; other versions as they are.
fn short_version(version: &str) -> String {
    version.strip_suffix(".0").filter(|v| v.matches('.').count() == 1).unwrap_or(version).to_string()
}

fn http_client(base_url: &str) -> Result<reqwest::blocking::Client, String> {
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("mattermost-codegen-xtask/", env!("CARGO_PKG_VERSION")));
    if base_url.starts_with("http://127.0.0.1") || base_url.starts_with("http://localhost") {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| format!("cannot start an HTTP client: {e}"))
}

/// GETs `url`; `Ok(None)` on 404.
fn get(client: &reqwest::blocking::Client, url: &str) -> Result<Option<Vec<u8>>, String> {
    let response = client.get(url).send().map_err(|e| format!("cannot download {url}: {e}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    if response.content_length().is_some_and(|n| n > MAX_BYTES) {
        return Err(format!("{url} is larger than {MAX_BYTES} bytes"));
    }
    let mut body = Vec::new();
    use std::io::Read;
    response.take(MAX_BYTES + 1).read_to_end(&mut body).map_err(|e| format!("cannot read {url}: {e}"))?;
    if body.len() as u64 > MAX_BYTES {
        return Err(format!("{url} is larger than {MAX_BYTES} bytes"));
    }
    Ok(Some(body))
}

/// The release's spec: its source files concatenated in the Makefile's order.
fn assemble(client: &reqwest::blocking::Client, base: &str, repo: &str, git_ref: &str) -> Result<(Vec<u8>, Vec<String>), String> {
    for (makefile, source_dir) in LAYOUTS {
        let url = format!("{base}/{repo}/{git_ref}/{makefile}");
        eprintln!("fetch-spec: reading {url}");
        let Some(text) = get(client, &url)? else { continue };
        let sources = makefile_sources(&String::from_utf8_lossy(&text));
        if sources.is_empty() {
            return Err(format!("{url} names no `cat $(V4_SRC)/<file>.yaml` in its build-v4 target; the layout changed, pass the URL of a spec file instead"));
        }
        let mut spec = Vec::new();
        for file in &sources {
            let url = format!("{base}/{repo}/{git_ref}/{source_dir}/{file}");
            let part = get(client, &url)?.ok_or_else(|| format!("{url} answered 404 Not Found, though {makefile} names it"))?;
            spec.extend_from_slice(&part);
        }
        eprintln!("fetch-spec: concatenated {} source files of {repo} at {git_ref}", sources.len());
        return Ok((spec, sources));
    }
    Err(format!(
        "{repo} has neither api/Makefile nor Makefile at `{git_ref}` ({base}/{repo}/{git_ref}/...): check that the release exists (Mattermost tags are `vX.Y.Z`). \
         Before the API reference moved into mattermost/mattermost it lived in mattermost/mattermost-api-reference, which has no release tags: \
         try `--repo mattermost/mattermost-api-reference --ref <branch or commit>`, or pass the URL of a spec file"
    ))
}

/// The source files the Makefile's `build-v4` target concatenates, in order: every
/// `cat $(V4_SRC)/<file>` of its recipe (the whole file when there is no such target).
fn makefile_sources(makefile: &str) -> Vec<String> {
    let lines: Vec<&str> = makefile.lines().collect();
    let recipe: Vec<&str> = match lines.iter().position(|l| l.starts_with("build-v4:")) {
        Some(start) => lines[start + 1..].iter().take_while(|l| l.starts_with('\t') || l.trim().is_empty()).copied().collect(),
        None => lines,
    };
    let mut sources = Vec::new();
    for line in recipe {
        let mut rest = line;
        while let Some(at) = rest.find("cat $(V4_SRC)/") {
            rest = &rest[at + "cat $(V4_SRC)/".len()..];
            let name: String = rest.chars().take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '>' | '|' | '&')).collect();
            if !name.is_empty() && !name.contains("..") {
                sources.push(name);
            }
        }
    }
    sources
}

/// The string value of a top-level `key = "value"` line of a TOML file.
fn toml_value(text: &str, key: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    table.get(key)?.as_str().map(str::to_string)
}

/// `path` relative to `root` when it is inside it, with `/` separators.
fn relative_to(path: &Path, root: &Path) -> String {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    match absolute.strip_prefix(root) {
        Ok(inside) => inside.to_string_lossy().replace('\\', "/"),
        Err(_) => {
            // Outside the repository: relative to it when they share a parent (`../shared/...`).
            match (root.parent(), absolute.strip_prefix(root.parent().unwrap_or(root))) {
                (Some(_), Ok(beside)) => format!("../{}", beside.to_string_lossy().replace('\\', "/")),
                _ => absolute.to_string_lossy().into_owned(),
            }
        }
    }
}

/// spec/source.toml with `mattermost_version` (when known), `path` and `sha256` replaced,
/// comments and everything else kept.
fn pin(text: &str, version: Option<&str>, path: &str, sha256: &str) -> String {
    let mut values: Vec<(&str, String)> = vec![("path", path.to_string()), ("sha256", sha256.to_string())];
    if let Some(version) = version {
        values.push(("mattermost_version", version.to_string()));
    }
    let mut seen = Vec::new();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let key = line.split('=').next().map(str::trim).unwrap_or("");
        match values.iter().find(|(k, _)| *k == key && line.contains('=')) {
            Some((k, value)) => {
                out.push_str(&format!("{k} = {}\n", toml::Value::String(value.clone())));
                seen.push(*k);
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (k, value) in &values {
        if !seen.contains(k) {
            out.push_str(&format!("{k} = {}\n", toml::Value::String(value.clone())));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// A loopback HTTP server serving `files` by path (404 for anything else); it records the
    /// paths asked for.
    fn serve(files: BTreeMap<String, Vec<u8>>) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&request);
                let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().expect("log").push(path.clone());
                let (status, body) = match files.get(&path) {
                    Some(body) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"404: Not Found".to_vec()),
                };
                let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
            }
        });
        (base, asked)
    }

    /// A fresh directory standing in for the repository root, with a spec/source.toml.
    fn temp_root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-fetch-spec-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("spec")).expect("create spec/");
        std::fs::write(
            root.join("spec/source.toml"),
            "# Where the spec comes from.\nmattermost_version = \"9.8\"\n# Relative to the root.\npath = \"../shared/spec/mattermost-openapi-v4.yaml\"\nsha256 = \"00\"\n",
        )
        .expect("write source.toml");
        root
    }

    fn args(source: &str, base: &str, out: &Path) -> FetchSpecArgs {
        FetchSpecArgs {
            source: source.to_string(),
            out: Some(out.to_path_buf()),
            pin: false,
            base_url: base.to_string(),
            repo: DEFAULT_REPO.to_string(),
            git_ref: None,
        }
    }

    /// The Makefile of a release in upstream's shape: a Playbooks alternative in the first
    /// and last steps, other targets that name source files too.
    const MAKEFILE: &str = "V4_SRC = $(ROOT)/v4/source\n\nbuild: build-v4\n\nbuild-v4: node_modules playbooks\n\t@echo Building\n\n\
        \t@if [ -r $(PLAYBOOKS_SRC)/merged-tags.yaml ]; then cat $(PLAYBOOKS_SRC)/merged-tags.yaml > $(V4_YAML); else cat $(V4_SRC)/introduction.yaml > $(V4_YAML); fi\n\
        \t@cat $(V4_SRC)/users.yaml >> $(V4_YAML)\n\t@cat $(V4_SRC)/teams.yaml >> $(V4_YAML)\n\
        \t@if [ -r $(PLAYBOOKS_SRC)/paths.yaml ]; then cat $(PLAYBOOKS_SRC)/paths.yaml >> $(V4_YAML); fi\n\
        \t@if [ -r $(PLAYBOOKS_SRC)/merged-definitions.yaml ]; then cat $(PLAYBOOKS_SRC)/merged-definitions.yaml >> $(V4_YAML); else cat $(V4_SRC)/definitions.yaml >> $(V4_YAML); fi\n\
        \t@node_modules/.bin/swagger-cli validate $(V4_YAML)\n\nplaybooks:\n\tcd playbooks && node merge-definitions.js $(V4_SRC)/definitions.yaml\n\tcd playbooks && cat $(V4_SRC)/teams.yaml\n";

    /// The source files of the fake release, in the Makefile's order.
    const SOURCES: [(&str, &str); 4] = [
        ("introduction.yaml", "openapi: 3.0.0\ninfo:\n  title: Fake\n  version: 4.0.0\npaths:\n"),
        ("users.yaml", "  /api/v4/users:\n    get:\n      operationId: GetUsers\n      responses:\n        \"200\":\n          description: ok\n"),
        ("teams.yaml", "  /api/v4/teams:\n    get:\n      operationId: GetTeams\n      responses:\n        \"200\":\n          description: ok\n"),
        ("definitions.yaml", "components:\n  schemas:\n    User:\n      type: object\n"),
    ];

    /// A fake release tree under `prefix`: the Makefile and the source files.
    fn release_tree(prefix: &str, makefile: &str, source_dir: &str) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert(format!("{prefix}/{makefile}"), MAKEFILE.as_bytes().to_vec());
        for (name, text) in SOURCES {
            files.insert(format!("{prefix}/{source_dir}/{name}"), text.as_bytes().to_vec());
        }
        files
    }

    #[test]
    fn the_makefile_gives_the_sources_in_order() {
        assert_eq!(makefile_sources(MAKEFILE), ["introduction.yaml", "users.yaml", "teams.yaml", "definitions.yaml"]);
        let old = "build-v4: .npminstall\n\t@cat $(V4_SRC)/introduction.yaml > $(V4_YAML)\n\t@cat $(V4_SRC)/bots.yaml >> $(V4_YAML)\n";
        assert_eq!(makefile_sources(old), ["introduction.yaml", "bots.yaml"]);
    }

    #[test]
    fn versions_name_release_tags() {
        for (input, expected) in [("9.8", "9.8.0"), ("9.8.1", "9.8.1"), ("v11.6.0", "11.6.0"), ("11.6", "11.6.0")] {
            assert_eq!(release_version(input).ok().as_deref(), Some(expected), "{input}");
        }
        for bad in ["latest", "9", "9.x", "1.2.3.4", ""] {
            assert!(release_version(bad).is_err(), "{bad}");
        }
        assert_eq!(short_version("9.8.0"), "9.8");
        assert_eq!(short_version("9.8.1"), "9.8.1");
    }

    #[test]
    fn a_release_is_its_sources_concatenated_as_the_makefile_says_and_pinned_when_asked() {
        let (base, asked) = serve(release_tree("/mattermost/mattermost/v11.6.0", "api/Makefile", "api/v4/source"));
        let root = temp_root("release");
        let out = root.join("specs/mattermost-11.6.yaml");
        let mut args = args("11.6", &base, &out);
        args.pin = true;
        let fetched = fetch_spec(&args, &root).expect("fetched");
        let expected: Vec<u8> = SOURCES.iter().flat_map(|(_, text)| text.bytes()).collect();
        let written = std::fs::read(&out).expect("the spec is written");
        assert_eq!(written, expected, "the sources concatenated byte for byte, in the Makefile's order");
        assert_eq!(fetched.sha256, mattermost_codegen::load::sha256_hex(&expected));
        assert_eq!(fetched.sources, ["introduction.yaml", "users.yaml", "teams.yaml", "definitions.yaml"]);
        let generation = mattermost_codegen::generate(&String::from_utf8_lossy(&written)).expect("the spec generates");
        assert_eq!(generation.ir.operations.len(), 2);
        let pinned = std::fs::read_to_string(root.join("spec/source.toml")).expect("source.toml");
        assert_eq!(
            pinned,
            format!(
                "# Where the spec comes from.\nmattermost_version = \"11.6\"\n# Relative to the root.\npath = \"specs/mattermost-11.6.yaml\"\nsha256 = \"{}\"\n",
                fetched.sha256
            )
        );
        assert_eq!(asked.lock().expect("log")[0], "/mattermost/mattermost/v11.6.0/api/Makefile");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_top_level_layout_of_the_old_reference_repository_is_read_too() {
        let (base, asked) = serve(release_tree("/mattermost/mattermost-api-reference/abc123", "Makefile", "v4/source"));
        let root = temp_root("old-layout");
        let out = root.join("old.yaml");
        let mut args = args("5.20", &base, &out);
        args.repo = "mattermost/mattermost-api-reference".into();
        args.git_ref = Some("abc123".into());
        let fetched = fetch_spec(&args, &root).expect("fetched");
        assert_eq!(fetched.sources.len(), 4);
        let asked = asked.lock().expect("log").clone();
        assert_eq!(asked[..2], ["/mattermost/mattermost-api-reference/abc123/api/Makefile", "/mattermost/mattermost-api-reference/abc123/Makefile"]);
        let pinned = std::fs::read_to_string(root.join("spec/source.toml")).expect("source.toml");
        assert!(pinned.contains("sha256 = \"00\""), "no --pin, no change: {pinned}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn one_url_is_written_as_it_is() {
        let mut files = BTreeMap::new();
        files.insert("/specs/v4.yaml".to_string(), b"swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n".to_vec());
        let (base, _) = serve(files);
        let root = temp_root("url");
        let out = root.join("from-url.yaml");
        let fetched = fetch_spec(&args(&format!("{base}/specs/v4.yaml"), &base, &out), &root).expect("fetched");
        assert_eq!(std::fs::read(&out).expect("written").len(), fetched.bytes);
        assert!(fetched.sources.is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_missing_release_or_file_is_a_clear_error_and_writes_nothing() {
        let (base, _) = serve(BTreeMap::new());
        let root = temp_root("missing");
        let out = root.join("never.yaml");
        let error = fetch_spec(&args("4.10", &base, &out), &root).expect_err("no such tag");
        assert!(error.contains("`v4.10.0`") && error.contains("mattermost-api-reference"), "{error}");
        assert!(!out.exists());
        let error = fetch_spec(&args(&format!("{base}/nothing.yaml"), &base, &out), &root).expect_err("404");
        assert!(error.contains("404"), "{error}");

        let mut tree = release_tree("/mattermost/mattermost/v9.8.0", "api/Makefile", "api/v4/source");
        tree.remove("/mattermost/mattermost/v9.8.0/api/v4/source/teams.yaml");
        let (base, _) = serve(tree);
        let error = fetch_spec(&args("9.8", &base, &out), &root).expect_err("a source file is missing");
        assert!(error.contains("teams.yaml") && error.contains("404"), "{error}");
        assert!(!out.exists());
        let error = fetch_spec(&args("latest", &base, &out), &root).expect_err("not a version");
        assert!(error.contains("neither a Mattermost version"), "{error}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn regen_names_the_command_that_fetches_a_missing_spec() {
        let root = temp_root("message");
        let message = missing_spec_message(&root, &root.join("../shared/spec/mattermost-openapi-v4.yaml"));
        assert!(message.contains("`cargo xtask fetch-spec 9.8`"), "{message}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
