//! `cargo xtask bench --vs-progenitor`: our generator side by side with progenitor on one spec.
//!
//! 1. Installs progenitor's CLI ([`PROGENITOR_CRATE`] [`PROGENITOR_VERSION`], `--locked`) into
//!    `target/progenitor/` unless it is there already.
//! 2. Writes the spec both generators read, `target/vs-progenitor/spec.json`: our overlaid spec
//!    as the generator's own loader reads it ([`crate::spec::overlaid_spec`]), without the
//!    operations progenitor cannot take ([`for_progenitor`]).
//! 3. Generates both crates into `target/vs-progenitor/`, whole processes, alternating, into a
//!    fresh directory each time (ours with `xtask regen --no-overlay`: the spec is overlaid
//!    already; the audit, the event catalogue and the JavaScript names as in `cargo xtask
//!    regen`).
//! 4. Times `cargo check` and a debug `cargo build` of each crate after touching its `lib.rs`,
//!    its dependencies already built (the workspace's target directory), alternating.
//!
//! Prints one markdown table: the median of each figure, ours, progenitor's and the ratio.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The crate of progenitor's command-line generator.
pub const PROGENITOR_CRATE: &str = "cargo-progenitor";
/// The progenitor release compared with.
pub const PROGENITOR_VERSION: &str = "0.15.1";

/// Whole-process generator runs per generator.
const GENERATE_RUNS: usize = 7;
/// `cargo check` / `cargo build` runs per crate, after a touch.
const COMPILE_RUNS: usize = 3;

/// A component schema progenitor cannot take under its own name (typify derives the same name
/// for the inline `webapp` property of `PluginManifest`), and the name it gets instead.
const RENAMED_SCHEMA: (&str, &str) = ("PluginManifestWebapp", "PluginManifestWebappSchema");

/// The HTTP methods of an OpenAPI path item.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Why an operation was left out of the spec for progenitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// `METHOD /path`.
    pub operation: String,
    /// Its `operationId`.
    pub operation_id: String,
    /// What progenitor cannot take.
    pub reason: String,
}

/// Our (overlaid) spec without what progenitor cannot take: operations whose request body is
/// not JSON only, and operations whose success (or error) replies have more than one type;
/// [`RENAMED_SCHEMA`] renamed. Returns the operations left out.
pub fn for_progenitor(spec: &mut Value) -> Vec<Dropped> {
    let components = spec.get("components").cloned().unwrap_or(Value::Null);
    let mut dropped = Vec::new();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for method in METHODS {
                let Some(operation) = item.get(method) else { continue };
                if let Some(reason) = unsupported(operation, &components) {
                    let operation_id = operation.get("operationId").and_then(Value::as_str).unwrap_or_default().to_string();
                    dropped.push(Dropped { operation: format!("{} {path}", method.to_uppercase()), operation_id, reason });
                    item.shift_remove(method);
                }
            }
        }
        paths.retain(|_, item| item.as_object().is_none_or(|item| METHODS.iter().any(|m| item.contains_key(*m))));
    }
    rename_schema(spec, RENAMED_SCHEMA.0, RENAMED_SCHEMA.1);
    dropped
}

/// Removes every object property whose snake_case name (as progenitor names fields) is that of
/// an earlier property of the same object (`IdpUrl` after `IdpURL`), which would give one
/// struct two fields of the same name. Returns the JSON pointers of the properties removed.
pub fn drop_colliding_properties(spec: &mut Value) -> Vec<String> {
    use heck::ToSnakeCase;
    let mut removed = Vec::new();
    let mut stack = vec![(String::new(), spec)];
    while let Some((pointer, node)) = stack.pop() {
        match node {
            Value::Object(map) => {
                if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
                    let mut seen = BTreeSet::new();
                    let colliding: Vec<String> = properties.keys().filter(|k| !seen.insert(k.to_snake_case())).cloned().collect();
                    for key in colliding {
                        properties.shift_remove(&key);
                        removed.push(format!("{pointer}/properties/{}", key.replace('~', "~0").replace('/', "~1")));
                    }
                }
                stack.extend(map.iter_mut().map(|(k, v)| (format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")), v)));
            }
            Value::Array(items) => stack.extend(items.iter_mut().enumerate().map(|(i, v)| (format!("{pointer}/{i}"), v))),
            _ => {}
        }
    }
    removed.sort();
    removed
}

/// Why progenitor cannot take `operation`, or `None`.
fn unsupported(operation: &Value, components: &Value) -> Option<String> {
    if let Some(body) = operation.get("requestBody").map(|b| resolve(b, components)) {
        let others: Vec<&String> = body.get("content").and_then(Value::as_object).map(|c| c.keys().filter(|k| *k != "application/json").collect()).unwrap_or_default();
        if !others.is_empty() {
            return Some(format!("request body as {}", others.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")));
        }
    }
    let responses = operation.get("responses").and_then(Value::as_object)?;
    for (class, is_class) in [("success", is_success as fn(&str) -> bool), ("error", is_error)] {
        let types: BTreeSet<String> = responses.iter().filter(|(status, _)| is_class(status)).map(|(_, r)| reply_type(resolve(r, components), components)).collect();
        if types.len() > 1 {
            return Some(format!("{} {class} reply types ({})", types.len(), types.into_iter().collect::<Vec<_>>().join(" | ")));
        }
    }
    None
}

/// `default` counts as a success and as an error, as progenitor reads it.
fn is_success(status: &str) -> bool {
    status.starts_with('2') || status == "default"
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5') || status == "default"
}

/// The type a reply decodes to, as progenitor tells them apart: no content, raw bytes (not
/// JSON), or one JSON schema (by its `$ref` or its text).
fn reply_type(response: &Value, components: &Value) -> String {
    let Some(content) = response.get("content").and_then(Value::as_object).filter(|c| !c.is_empty()) else { return "no content".into() };
    match content.get("application/json") {
        Some(media) => {
            let schema = media.get("schema").unwrap_or(&Value::Null);
            let schema = if schema.get("$ref").is_some() { schema } else { resolve(schema, components) };
            schema.to_string()
        }
        None => "raw bytes".into(),
    }
}

/// Follows a local `$ref` (`#/components/...`), once.
fn resolve<'a>(node: &'a Value, components: &'a Value) -> &'a Value {
    let Some(target) = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components")) else { return node };
    components.pointer(target).unwrap_or(node)
}

/// Renames a component schema and every `$ref` to it.
fn rename_schema(spec: &mut Value, from: &str, to: &str) {
    if let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        if let Some(schema) = schemas.shift_remove(from) {
            schemas.insert(to.to_string(), schema);
        }
    }
    let (old, new) = (format!("#/components/schemas/{from}"), Value::from(format!("#/components/schemas/{to}")));
    let mut stack = vec![spec];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                if map.get("$ref").and_then(Value::as_str) == Some(old.as_str()) {
                    map.insert("$ref".into(), new.clone());
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The paths of one comparison, all under `target/vs-progenitor/`.
struct Work {
    root: PathBuf,
    dir: PathBuf,
    spec: PathBuf,
    ours: PathBuf,
    theirs: PathBuf,
    target: PathBuf,
}

impl Work {
    fn new(root: &Path) -> Work {
        let dir = root.join("target/vs-progenitor");
        Work {
            root: root.to_path_buf(),
            spec: dir.join("spec.json"),
            ours: dir.join("ours"),
            theirs: dir.join("progenitor"),
            // The workspace's: the dependencies the generated crate shares with ours are built.
            target: std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from),
            dir,
        }
    }

    fn progenitor_bin(&self) -> PathBuf {
        self.root.join("target/progenitor/bin/cargo-progenitor")
    }

    fn xtask_bin(&self) -> Result<PathBuf, String> {
        std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))
    }
}

/// Installs the pinned progenitor CLI into `target/progenitor/` unless it is there.
fn install_progenitor(work: &Work) -> Result<(), String> {
    // cargo's record of what it installed under this root names the crate and its version.
    let record = std::fs::read_to_string(work.root.join("target/progenitor/.crates.toml")).unwrap_or_default();
    let installed = work.progenitor_bin().exists() && record.contains(&format!("\"{PROGENITOR_CRATE} {PROGENITOR_VERSION} "));
    if installed {
        return Ok(());
    }
    eprintln!("vs-progenitor: installing {PROGENITOR_CRATE} {PROGENITOR_VERSION} into target/progenitor (once; a few minutes)");
    // A build directory of its own, so that an interrupted install resumes where it stopped;
    // removed once the binary is in place.
    let build_dir = work.root.join("target/progenitor/build");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["install", "--locked", "--root"])
        .arg(work.root.join("target/progenitor"))
        .args([PROGENITOR_CRATE, "--version", &format!("={PROGENITOR_VERSION}")])
        .env("CARGO_TARGET_DIR", &build_dir)
        .status()
        .map_err(|e| format!("could not run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!("cargo install {PROGENITOR_CRATE} {PROGENITOR_VERSION} failed ({status}); run the bench again to resume"));
    }
    let _ = std::fs::remove_dir_all(&build_dir);
    Ok(())
}

/// Writes `spec` as the comparison's spec file.
fn write_spec(path: &Path, spec: &Value) -> Result<(), String> {
    std::fs::write(path, spec.to_string()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// One run of progenitor on `spec` into a fresh `out`; `Err` holds what it said.
fn run_progenitor(work: &Work, spec: &Path, out: &Path) -> Result<Duration, String> {
    let _ = std::fs::remove_dir_all(out);
    let started = Instant::now();
    let output = Command::new(work.progenitor_bin())
        .arg("progenitor")
        .arg("-i")
        .arg(spec)
        .arg("-o")
        .arg(out)
        .args(["-n", "mattermost-progenitor", "-v", "0.1.0"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", work.progenitor_bin().display()))?;
    let elapsed = started.elapsed();
    if output.status.success() {
        return Ok(elapsed);
    }
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Err(said.trim().lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n"))
}

/// One run of our generator on the comparison's spec into a fresh `out`.
fn run_ours(work: &Work) -> Result<Duration, String> {
    let _ = std::fs::remove_dir_all(&work.ours);
    let started = Instant::now();
    let output = Command::new(work.xtask_bin()?)
        .arg("regen")
        .arg("--spec")
        .arg(&work.spec)
        .arg("--out")
        .arg(&work.ours)
        .arg("--no-overlay")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run xtask regen: {e}"))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        return Err(format!("our regen failed on {}:\n{}", work.spec.display(), String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(elapsed)
}

/// When progenitor rejects the spec: the one operation that makes it fail alone (found by
/// halving the set of operations), so that the error names it.
fn culprit(work: &Work, spec: &Value) -> Option<String> {
    let operations: Vec<(String, String)> = spec
        .get("paths")?
        .as_object()?
        .iter()
        .flat_map(|(path, item)| METHODS.iter().filter(move |m| item.get(**m).is_some()).map(move |m| (path.clone(), m.to_string())))
        .collect();
    let probe_spec = work.dir.join("probe.json");
    let probe_out = work.dir.join("probe");
    let fails = |keep: &[(String, String)]| -> Option<String> {
        let mut probe = spec.clone();
        let wanted: BTreeSet<&(String, String)> = keep.iter().collect();
        let paths = probe.get_mut("paths")?.as_object_mut()?;
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|key, _| !METHODS.contains(&key.as_str()) || wanted.contains(&(path.clone(), key.clone())));
            }
        }
        write_spec(&probe_spec, &probe).ok()?;
        run_progenitor(work, &probe_spec, &probe_out).err()
    };
    let mut candidates = operations.as_slice();
    let mut message = fails(candidates)?;
    while candidates.len() > 1 {
        let (first, second) = candidates.split_at(candidates.len() / 2);
        if let Some(m) = fails(first) {
            (candidates, message) = (first, m);
        } else if let Some(m) = fails(second) {
            (candidates, message) = (second, m);
        } else {
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&probe_out);
    let _ = std::fs::remove_file(&probe_spec);
    let names: Vec<String> = candidates.iter().take(5).map(|(path, method)| format!("{} {path}", method.to_uppercase())).collect();
    let more = if candidates.len() > 5 { format!(" and {} more", candidates.len() - 5) } else { String::new() };
    Some(format!("{}{more}; progenitor said:\n{message}", names.join(", ")))
}

/// Makes a generated crate its own workspace, so that cargo builds it inside `target/`.
fn own_workspace(dir: &Path) -> Result<(), String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    if !text.lines().any(|l| l.trim() == "[workspace]") {
        std::fs::write(&manifest, format!("{text}\n[workspace]\n")).map_err(|e| format!("cannot write {}: {e}", manifest.display()))?;
    }
    Ok(())
}

/// `cargo <command>` of the crate in `dir`, into the shared target directory; its wall time.
fn cargo(work: &Work, dir: &Path, command: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([command, "--quiet"])
        .env("CARGO_TARGET_DIR", &work.target)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = said.lines().rev().take(30).collect();
        return Err(format!("cargo {command} in {} failed:\n{}", dir.display(), tail.into_iter().rev().collect::<Vec<_>>().join("\n")));
    }
    Ok(elapsed)
}

fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::OpenOptions::new().append(true).open(path).map_err(|e| format!("cannot touch {}: {e}", path.display()))?;
    file.set_modified(std::time::SystemTime::now()).map_err(|e| e.to_string())
}

/// Medians of `runs` alternating timings of `ours` and `theirs`.
fn alternate(runs: usize, mut ours: impl FnMut() -> Result<Duration, String>, mut theirs: impl FnMut() -> Result<Duration, String>) -> Result<(Duration, Duration), String> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..runs {
        // Which goes first alternates too, so that neither always follows the other.
        if round % 2 == 0 {
            a.push(ours()?);
            b.push(theirs()?);
        } else {
            b.push(theirs()?);
            a.push(ours()?);
        }
    }
    Ok((median(a), median(b)))
}

fn row(label: &str, ours: Duration, theirs: Duration) {
    println!("| {label} | {:.3} s | {:.3} s | {:.2} |", ours.as_secs_f64(), theirs.as_secs_f64(), ours.as_secs_f64() / theirs.as_secs_f64());
}

/// The one-minute load average (Linux).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_owned)).unwrap_or_else(|| "?".into())
}

/// Runs the whole comparison and prints its table.
pub fn run(root: &Path) -> Result<(), String> {
    let work = Work::new(root);
    std::fs::create_dir_all(&work.dir).map_err(|e| format!("cannot create {}: {e}", work.dir.display()))?;
    install_progenitor(&work)?;

    let mut spec = crate::spec::overlaid_spec(root)?;
    let dropped = for_progenitor(&mut spec);
    for pointer in drop_colliding_properties(&mut spec) {
        eprintln!("vs-progenitor: left out {pointer}: its snake_case name is an earlier property's");
    }
    write_spec(&work.spec, &spec)?;
    let kept = spec.get("paths").and_then(Value::as_object).map_or(0, |p| p.values().map(|i| METHODS.iter().filter(|m| i.get(**m).is_some()).count()).sum::<usize>());
    eprintln!("vs-progenitor: {} with {kept} operations; left out {} that progenitor cannot take:", work.spec.display(), dropped.len());
    for d in &dropped {
        eprintln!("  {} ({}): {}", d.operation, d.operation_id, d.reason);
    }
    if let Err(said) = run_progenitor(&work, &work.spec, &work.theirs) {
        let which = culprit(&work, &spec).unwrap_or(said);
        return Err(format!("progenitor {PROGENITOR_VERSION} rejects {}: {which}", work.spec.display()));
    }
    run_ours(&work)?;

    let before = load_average();
    println!("| figure ({kept} operations; load average before: {before}) | us | progenitor {PROGENITOR_VERSION} | ratio |\n| --- | ---: | ---: | ---: |");
    let (ours, theirs) = alternate(GENERATE_RUNS, || run_ours(&work), || run_progenitor(&work, &work.spec, &work.theirs))?;
    row(&format!("generate, wall, whole process (median of {GENERATE_RUNS})"), ours, theirs);

    for dir in [&work.ours, &work.theirs] {
        own_workspace(dir)?;
    }
    if work.root.join("Cargo.lock").exists() && !work.ours.join("Cargo.lock").exists() {
        // The workspace's versions, already downloaded.
        std::fs::copy(work.root.join("Cargo.lock"), work.ours.join("Cargo.lock")).map_err(|e| e.to_string())?;
    }
    for (command, label) in [("check", "`cargo check` after a touch, dependencies built"), ("build", "debug `cargo build` after a touch, dependencies built")] {
        cargo(&work, &work.ours, command)?;
        cargo(&work, &work.theirs, command)?;
        let (ours_lib, theirs_lib) = (work.ours.join("src/lib.rs"), work.theirs.join("src/lib.rs"));
        let (ours, theirs) = alternate(
            COMPILE_RUNS,
            || touch(&ours_lib).and_then(|()| cargo(&work, &work.ours, command)),
            || touch(&theirs_lib).and_then(|()| cargo(&work, &work.theirs, command)),
        )?;
        row(&format!("{label} (median of {COMPILE_RUNS})"), ours, theirs);
    }
    println!("\nload average after: {}", load_average());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_out_what_progenitor_cannot_take_and_renames_the_schema() {
        let mut spec = json!({
            "paths": {
                "/a": {
                    "get": {"operationId": "Keep", "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Bad"}}},
                    "post": {"operationId": "Upload", "requestBody": {"content": {"multipart/form-data": {}}}, "responses": {}}
                },
                "/b": {
                    "put": {"operationId": "TwoReplies", "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/PluginManifestWebapp"}}}},
                        "201": {"description": "none"}
                    }}
                },
                "/c": {"post": {"operationId": "JsonBody", "requestBody": {"$ref": "#/components/requestBodies/Json"}, "responses": {}}}
            },
            "components": {
                "schemas": {"PluginManifestWebapp": {"type": "object"}},
                "responses": {
                    "Ok": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/PluginManifestWebapp"}}}},
                    "Bad": {"content": {"application/json": {"schema": {"type": "object"}}}}
                },
                "requestBodies": {"Json": {"content": {"application/json": {"schema": {"type": "object"}}}}}
            }
        });
        let dropped = for_progenitor(&mut spec);
        let ids: Vec<&str> = dropped.iter().map(|d| d.operation_id.as_str()).collect();
        assert_eq!(ids, ["Upload", "TwoReplies"]);
        assert!(dropped[0].reason.contains("multipart/form-data"), "{}", dropped[0].reason);
        assert!(dropped[1].reason.contains("2 success reply types"), "{}", dropped[1].reason);
        assert!(spec["paths"].get("/b").is_none(), "a path with no operation left goes");
        assert!(spec["paths"]["/a"].get("get").is_some() && spec["paths"]["/c"].get("post").is_some());
        assert!(spec.pointer("/components/schemas/PluginManifestWebapp").is_none());
        assert_eq!(spec.pointer("/components/responses/Ok/content/application~1json/schema/$ref"), Some(&json!("#/components/schemas/PluginManifestWebappSchema")));
    }

    #[test]
    fn properties_with_one_snake_case_name_keep_the_first() {
        let mut spec = json!({"components": {"schemas": {
            "Saml": {"properties": {"IdpURL": {}, "IdpUrl": {}, "idp_url": {}, "Other": {"properties": {"a_b": {}, "aB": {}}}}},
            "Plain": {"properties": {"IdpURL": {}, "Enable": {}}}
        }}});
        let removed = drop_colliding_properties(&mut spec);
        assert_eq!(removed, ["/components/schemas/Saml/properties/IdpUrl", "/components/schemas/Saml/properties/Other/properties/aB", "/components/schemas/Saml/properties/idp_url"]);
        assert_eq!(spec.pointer("/components/schemas/Saml/properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect::<Vec<_>>()), Some(vec!["IdpURL".to_string(), "Other".to_string()]));
        assert!(spec.pointer("/components/schemas/Plain/properties/Enable").is_some());
    }
}
