//! The install files checked against the server they describe: `manifest/manifest.json` (MCPB,
//! the Claude Desktop extension), `manifest/server.json` (MCP Registry), the client snippets under
//! `manifest/clients/` and the clawhub skill `skill.md`.
//!
//! Tool names are compared with what `tools/list` really returns, every version with Cargo.toml's,
//! each format's required fields are checked explicitly, and each snippet's command line is run as
//! a client would run it (bare `reelsmith` resolved on PATH to the binary under test), so a renamed
//! tool, a version bump or a broken snippet fails here rather than on a user's machine.

use rmcp::ServiceExt;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The MCPB manifest version the manifest is written to, and the keys that version allows at the
/// top level (its schema is strict: any other key is refused).
const MCPB_VERSION: &str = "0.3";
const MCPB_TOP_LEVEL_KEYS: &[&str] = &[
    "$schema",
    "dxt_version",
    "manifest_version",
    "name",
    "display_name",
    "version",
    "description",
    "long_description",
    "author",
    "repository",
    "homepage",
    "documentation",
    "support",
    "icon",
    "icons",
    "screenshots",
    "localization",
    "server",
    "tools",
    "tools_generated",
    "prompts",
    "prompts_generated",
    "keywords",
    "license",
    "privacy_policies",
    "compatibility",
    "user_config",
    "_meta",
];
const MCPB_USER_CONFIG_KEYS: &[&str] = &[
    "type",
    "title",
    "description",
    "required",
    "default",
    "multiple",
    "sensitive",
    "min",
    "max",
];

/// The MCP Registry schema server.json is written to.
const REGISTRY_SCHEMA: &str =
    "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/// The environment the registry entry must describe.
const REGISTRY_ENV: &[&str] = &[
    "REELSMITH_BACKEND",
    "REELSMITH_HOME",
    "NEMO_TOKEN",
    "NEMO_API_URL",
    "REELSMITH_HTTP_TOKEN",
];

// ------------------------------------------------------------------------------------------------
// Helpers.

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid JSON: {e}"))
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reelsmith"))
}

fn obj<'a>(v: &'a Value, what: &str) -> &'a Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{what} must be an object, got {v}"))
}

fn string<'a>(v: &'a Value, key: &str, what: &str) -> &'a str {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        other => panic!("{what}.{key} must be a non-empty string, got {other:?}"),
    }
}

/// The tool names manifest.json declares, in its order.
fn manifest_tools() -> Vec<String> {
    let m = json("manifest/manifest.json");
    let tools = m["tools"]
        .as_array()
        .expect("manifest.json lists its tools");
    tools
        .iter()
        .map(|t| string(t, "name", "manifest.json tools[]").to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A command line a client runs: program, arguments and extra environment.
#[derive(Debug)]
struct Launch {
    command: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

impl Launch {
    /// `mcpServers.reelsmith` (Claude Desktop, Cursor) or `servers.reelsmith` (VS Code).
    fn from_entry(entry: &Value, what: &str) -> Launch {
        let command = string(entry, "command", what).to_string();
        let args = entry
            .get("args")
            .map(|a| {
                a.as_array()
                    .unwrap_or_else(|| panic!("{what}.args must be an array"))
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .unwrap_or_else(|| panic!("{what}.args holds a non-string: {x}"))
                            .to_string()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let env = entry
            .get("env")
            .map(|e| {
                obj(e, &format!("{what}.env"))
                    .iter()
                    .map(|(k, v)| {
                        let v = v
                            .as_str()
                            .unwrap_or_else(|| panic!("{what}.env.{k} must be a string"));
                        (k.clone(), v.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Launch { command, args, env }
    }
}

/// PATH with the directory of the binary under test first, so a bare `reelsmith` is that binary.
fn path_with_bin() -> std::ffi::OsString {
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&rest))).unwrap()
}

/// Run `launch` the way an MCP client does (its own environment only: PATH, HOME, the snippet's
/// env, and a fresh workspace unless the launch sets one), initialize, and return the tool names
/// tools/list answers, sorted.
async fn tools_of(launch: &Launch, home: &Path) -> Vec<String> {
    let path = path_with_bin();
    let workspace = home.join("workspace");
    let transport = TokioChildProcess::new(
        tokio::process::Command::new(&launch.command).configure(|c| {
            c.args(&launch.args)
                .env_clear()
                .env("PATH", &path)
                .env("HOME", home)
                .env("REELSMITH_HOME", &workspace)
                .env("RUST_LOG", "warn")
                .envs(&launch.env);
        }),
    )
    .unwrap_or_else(|e| panic!("cannot start {launch:?}: {e}"));
    let client = ()
        .serve(transport)
        .await
        .unwrap_or_else(|e| panic!("{launch:?} did not answer initialize: {e}"));
    let tools = client
        .list_all_tools()
        .await
        .unwrap_or_else(|e| panic!("{launch:?} did not answer tools/list: {e}"));
    let _ = client.cancel().await;
    sorted(tools.iter().map(|t| t.name.to_string()).collect())
}

/// The server's own tools/list, started directly.
async fn server_tools(home: &Path) -> Vec<String> {
    let launch = Launch {
        command: bin().to_string_lossy().into_owned(),
        args: vec!["serve".into()],
        env: BTreeMap::new(),
    };
    tools_of(&launch, home).await
}

/// Every `${user_config.KEY}` in `s`.
fn user_config_refs(s: &str) -> Vec<String> {
    s.match_indices("${user_config.")
        .map(|(i, m)| {
            let rest = &s[i + m.len()..];
            let end = rest
                .find('}')
                .unwrap_or_else(|| panic!("unclosed ${{user_config.…}} in {s:?}"));
            rest[..end].to_string()
        })
        .collect()
}

/// `skill.md`'s frontmatter: top-level keys with their raw values (a folded `>` value is joined
/// from its indented lines).
fn frontmatter(text: &str) -> BTreeMap<String, String> {
    let mut lines = text.lines();
    assert_eq!(
        lines.next().map(str::trim),
        Some("---"),
        "skill.md must open with ---"
    );
    let mut out = BTreeMap::new();
    let mut folded: Option<String> = None;
    let mut closed = false;
    for line in lines {
        if line.trim() == "---" {
            closed = true;
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(key) = &folded {
                let v: &mut String = out.get_mut(key).unwrap();
                if !v.is_empty() {
                    v.push(' ');
                }
                v.push_str(line.trim());
            }
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("frontmatter line without a key: {line:?}"));
        let (key, value) = (key.trim().to_string(), value.trim().to_string());
        if value == ">" || value == "|" {
            folded = Some(key.clone());
            out.insert(key, String::new());
        } else {
            folded = None;
            out.insert(key, value);
        }
    }
    assert!(closed, "skill.md frontmatter is never closed with ---");
    out
}

/// The markdown after the frontmatter.
fn skill_body(text: &str) -> &str {
    let after_open = text.find("---").unwrap() + 3;
    let close = text[after_open..].find("\n---").unwrap() + after_open + 4;
    &text[close..]
}

/// ```json fenced blocks in a markdown file.
fn json_blocks(md: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(start) = rest.find("```json\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("unclosed ```json block");
        out.push(serde_json::from_str(&body[..end]).unwrap_or_else(|e| {
            panic!("a ```json block is not valid JSON ({e}):\n{}", &body[..end])
        }));
        rest = &body[end + 3..];
    }
    out
}

/// One parsed `claude mcp add` line.
#[derive(Debug)]
struct ClaudeAdd {
    name: String,
    transport: String,
    env: BTreeMap<String, String>,
    /// After `--` (stdio) or the URL (http).
    target: Vec<String>,
    headers: Vec<String>,
}

/// Parse `claude mcp add …` the way Claude Code's CLI reads it. Its `-e/--env` and `--header`
/// options take several values, so an option of those placed before the server name swallows the
/// name: that ordering is refused here, as it fails for users.
fn parse_claude_add(line: &str) -> ClaudeAdd {
    let words = shell_words(line);
    assert_eq!(
        words.get(..3).map(|w| w.join(" ")),
        Some("claude mcp add".to_string()),
        "{line}"
    );
    let mut name = None;
    let mut transport = "stdio".to_string();
    let mut env = BTreeMap::new();
    let mut headers = Vec::new();
    let mut target = Vec::new();
    let mut i = 3;
    while i < words.len() {
        let w = words[i].as_str();
        match w {
            "--" => {
                target.extend(words[i + 1..].iter().cloned());
                break;
            }
            "-s" | "--scope" => i += 1,
            "-t" | "--transport" => {
                i += 1;
                transport = words[i].clone();
            }
            "-e" | "--env" => {
                assert!(
                    name.is_some(),
                    "`{line}`: -e before the server name is read as a second -e value; put the name first"
                );
                i += 1;
                let (k, v) = words[i]
                    .split_once('=')
                    .unwrap_or_else(|| panic!("`{line}`: -e needs KEY=VALUE"));
                env.insert(k.to_string(), v.to_string());
            }
            "-H" | "--header" => {
                assert!(name.is_some(), "`{line}`: --header before the server name");
                i += 1;
                headers.push(words[i].clone());
            }
            _ if w.starts_with('-') => panic!("`{line}`: unexpected option {w}"),
            _ if name.is_none() => name = Some(w.to_string()),
            _ => target.push(w.to_string()),
        }
        i += 1;
    }
    ClaudeAdd {
        name: name.unwrap_or_else(|| panic!("`{line}` names no server")),
        transport,
        env,
        target,
        headers,
    }
}

/// Split a shell line into words: whitespace-separated, with "double quoted" words kept whole.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quotes in `{line}`");
    if any {
        words.push(cur);
    }
    words
}

/// The `claude mcp add` lines of claude-code.sh: (line, commented-out?).
fn claude_code_lines() -> Vec<(String, bool)> {
    read("manifest/clients/claude-code.sh")
        .lines()
        .filter_map(|l| {
            let t = l.trim();
            if t.starts_with("claude mcp add") {
                Some((t.to_string(), false))
            } else {
                let c = t.trim_start_matches('#').trim();
                c.starts_with("claude mcp add")
                    .then(|| (c.to_string(), true))
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// MCPB manifest.

#[tokio::test(flavor = "multi_thread")]
async fn manifest_tools_are_the_servers_tools() {
    let dir = tempfile::tempdir().unwrap();
    let listed = server_tools(dir.path()).await;
    let declared = manifest_tools();
    let unique: BTreeSet<_> = declared.iter().collect();
    assert_eq!(
        unique.len(),
        declared.len(),
        "manifest.json lists a tool twice: {declared:?}"
    );
    assert_eq!(
        sorted(declared),
        listed,
        "manifest.json tools vs tools/list"
    );
    for t in json("manifest/manifest.json")["tools"].as_array().unwrap() {
        let d = string(t, "description", "manifest.json tools[]");
        assert!(d.len() <= 200, "keep tool descriptions short: {d}");
    }
}

#[test]
fn manifest_json_carries_what_mcpb_requires() {
    let m = json("manifest/manifest.json");
    let top = obj(&m, "manifest.json");
    for k in top.keys() {
        assert!(
            MCPB_TOP_LEVEL_KEYS.contains(&k.as_str()),
            "manifest.json: `{k}` is not a field of MCPB {MCPB_VERSION}"
        );
    }
    assert_eq!(m["manifest_version"], MCPB_VERSION);
    assert_eq!(string(&m, "name", "manifest.json"), env!("CARGO_PKG_NAME"));
    string(&m, "description", "manifest.json");
    string(&m["author"], "name", "manifest.json author");
    let version = string(&m, "version", "manifest.json");
    let parts: Vec<_> = version.split(['.', '-', '+']).collect();
    assert!(
        parts.len() >= 3 && parts[..3].iter().all(|p| p.parse::<u64>().is_ok()),
        "manifest.json version must be semver: {version}"
    );
    if let Some(r) = m.get("repository") {
        string(r, "type", "manifest.json repository");
        assert!(string(r, "url", "manifest.json repository").starts_with("https://"));
    }
    if let Some(p) = m["compatibility"].get("platforms") {
        for p in p.as_array().unwrap() {
            assert!(
                ["darwin", "win32", "linux"].contains(&p.as_str().unwrap()),
                "unknown platform {p}"
            );
        }
    }

    // server: a binary shipped in the bundle, started with `serve`.
    let server = &m["server"];
    assert_eq!(
        server["type"], "binary",
        "reelsmith ships as a compiled binary"
    );
    let entry = string(server, "entry_point", "manifest.json server");
    let cfg = &server["mcp_config"];
    let command = string(cfg, "command", "manifest.json server.mcp_config");
    assert_eq!(
        command,
        format!("${{__dirname}}/{entry}"),
        "mcp_config.command must run the bundled entry_point"
    );
    let args: Vec<&str> = cfg["args"]
        .as_array()
        .expect("mcp_config.args")
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args, ["serve"]);
    let env = obj(&cfg["env"], "mcp_config.env");

    // user_config: well-formed options, and every ${user_config.KEY} names one (and every one is
    // used, or the person would fill in a setting nothing reads).
    let user_config = obj(&m["user_config"], "user_config");
    for (key, opt) in user_config {
        let what = format!("user_config.{key}");
        for k in obj(opt, &what).keys() {
            assert!(
                MCPB_USER_CONFIG_KEYS.contains(&k.as_str()),
                "{what}: unknown field {k}"
            );
        }
        let ty = string(opt, "type", &what);
        assert!(
            ["string", "number", "boolean", "directory", "file"].contains(&ty),
            "{what}: type {ty}"
        );
        string(opt, "title", &what);
        string(opt, "description", &what);
        if opt.get("sensitive") == Some(&Value::Bool(true)) {
            assert_eq!(ty, "string", "{what}: only strings can be sensitive");
        }
        if let Some(d) = opt.get("default") {
            let ok = match ty {
                "number" => d.is_number(),
                "boolean" => d.is_boolean(),
                _ => d.is_string() || d.is_array(),
            };
            assert!(ok, "{what}: default {d} does not fit type {ty}");
            assert!(
                !d.as_str().unwrap_or("").contains("${"),
                "{what}: hosts do not expand variables inside defaults: {d}"
            );
        }
    }
    let mut texts: Vec<String> = vec![command.to_string()];
    texts.extend(args.iter().map(|a| a.to_string()));
    texts.extend(
        env.values()
            .map(|v| v.as_str().expect("env values are strings").to_string()),
    );
    let used: BTreeSet<String> = texts.iter().flat_map(|t| user_config_refs(t)).collect();
    for key in &used {
        assert!(
            user_config.contains_key(key),
            "${{user_config.{key}}} has no user_config entry"
        );
    }
    for key in user_config.keys() {
        assert!(
            used.contains(key),
            "user_config.{key} is never passed to the server"
        );
    }

    // The settings the issue asks for, mapped to the variables the server reads.
    let option_for = |var: &str| -> &Value {
        let v = env
            .get(var)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("mcp_config.env lacks {var}"));
        let refs = user_config_refs(v);
        assert_eq!(refs.len(), 1, "{var} should be one user_config value: {v}");
        &user_config[&refs[0]]
    };
    assert_eq!(option_for("REELSMITH_BACKEND")["default"], "local");
    assert_eq!(option_for("NEMO_TOKEN")["sensitive"], true);
    assert_eq!(option_for("REELSMITH_HOME")["type"], "directory");
    assert_eq!(option_for("REELSMITH_OUTPUT_DIR")["type"], "directory");
    // An empty REELSMITH_HOME would put the workspace in whatever directory the host starts the
    // server in, so the workspace is a setting the person must choose.
    assert_eq!(option_for("REELSMITH_HOME")["required"], true);
}

/// The bundle's launch line as a host resolves it (`${__dirname}` → the unpacked bundle, user
/// settings → their defaults plus a chosen workspace) starts a server with the declared tools.
#[tokio::test(flavor = "multi_thread")]
async fn mcpb_launch_line_starts_the_server() {
    let m = json("manifest/manifest.json");
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let entry = bundle.join(string(&m["server"], "entry_point", "server"));
    std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(bin(), &entry).unwrap();

    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (key, opt) in obj(&m["user_config"], "user_config") {
        if let Some(d) = opt.get("default") {
            values.insert(key.clone(), d.as_str().unwrap_or_default().to_string());
        }
        if opt["type"] == "directory" && opt.get("required") == Some(&Value::Bool(true)) {
            let chosen = dir.path().join(format!("chosen-{key}"));
            values.insert(key.clone(), chosen.to_string_lossy().into_owned());
        }
    }
    let resolve = |s: &str| -> String {
        let mut out = s.replace("${__dirname}", &bundle.to_string_lossy());
        for (k, v) in &values {
            out = out.replace(&format!("${{user_config.{k}}}"), v);
        }
        assert!(
            !out.contains("${"),
            "unresolved variable in {s:?} → {out:?}"
        );
        out
    };
    let cfg = &m["server"]["mcp_config"];
    let mut launch = Launch::from_entry(cfg, "mcp_config");
    launch.command = resolve(&launch.command);
    launch.args = launch.args.iter().map(|a| resolve(a)).collect();
    launch.env = launch
        .env
        .iter()
        .map(|(k, v)| (k.clone(), resolve(v)))
        .collect();
    let workspace = PathBuf::from(&launch.env["REELSMITH_HOME"]);

    let tools = tools_of(&launch, dir.path()).await;
    assert_eq!(tools, sorted(manifest_tools()));
    assert!(
        workspace.join("reelsmith.db").exists(),
        "the chosen workspace {} was not used",
        workspace.display()
    );
}

// ------------------------------------------------------------------------------------------------
// MCP Registry entry.

#[test]
fn server_json_carries_what_the_registry_requires() {
    let s = json("manifest/server.json");
    assert_eq!(s["$schema"], REGISTRY_SCHEMA);

    let name = string(&s, "name", "server.json");
    let (namespace, server) = name
        .split_once('/')
        .unwrap_or_else(|| panic!("server.json name needs namespace/name: {name}"));
    let ok_ns = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let ok_name = |c: char| c.is_ascii_alphanumeric() || ".-_".contains(c);
    assert!(
        !namespace.is_empty()
            && namespace.chars().all(ok_ns)
            && !server.is_empty()
            && server.chars().all(ok_name)
            && (3..=200).contains(&name.len()),
        "server.json name {name} does not match the registry's pattern"
    );
    // Namespaces io.github.<owner> are proven by owning github.com/<owner>.
    let repo = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    let (owner, repo_name) = repo
        .strip_prefix("https://github.com/")
        .and_then(|r| r.split_once('/'))
        .expect("Cargo.toml repository is on GitHub");
    assert_eq!(name, format!("io.github.{owner}/{repo_name}"));

    let description = string(&s, "description", "server.json");
    assert!(
        description.chars().count() <= 100,
        "server.json description is {} characters; the registry allows 100",
        description.chars().count()
    );
    if s.get("title").is_some() {
        assert!(string(&s, "title", "server.json").chars().count() <= 100);
    }
    let version = string(&s, "version", "server.json");
    assert!(
        !version.contains(['^', '~', '>', '<', '=', '*', ' ']) && version != "latest",
        "server.json version must be one specific version: {version}"
    );
    assert_eq!(
        string(&s["repository"], "url", "server.json repository"),
        repo
    );
    assert_eq!(s["repository"]["source"], "github");

    let packages = s["packages"]
        .as_array()
        .expect("server.json lists packages");
    assert!(!packages.is_empty(), "server.json lists no package");
    for (i, p) in packages.iter().enumerate() {
        let what = format!("server.json packages[{i}]");
        let kind = string(p, "registryType", &what);
        let id = string(p, "identifier", &what);
        let transport = string(&p["transport"], "type", &format!("{what}.transport"));
        assert!(
            ["stdio", "streamable-http", "sse"].contains(&transport),
            "{what}: transport {transport}"
        );
        if transport != "stdio" {
            string(&p["transport"], "url", &format!("{what}.transport"));
        }
        if let Some(v) = p.get("version") {
            assert_ne!(v, "latest", "{what}: version must be specific");
        }
        match kind {
            "cargo" => {
                assert_eq!(id, env!("CARGO_PKG_NAME"), "{what}: the crate");
                // crates.io ownership: the README shows `mcp-name: <name>` as visible text
                // (crates.io drops HTML comments, so a hidden marker would not count).
                let readme = read("README.md");
                let marker = format!("mcp-name: {name}");
                let at = readme
                    .find(&marker)
                    .unwrap_or_else(|| panic!("README.md must show `{marker}` for the registry"));
                let before = &readme[..at];
                assert!(
                    before
                        .rfind("<!--")
                        .is_none_or(|o| before.rfind("-->").is_some_and(|c| c > o)),
                    "the mcp-name marker must not sit inside an HTML comment"
                );
            }
            "mcpb" => {
                assert!(
                    id.starts_with("https://") && id.contains("mcp"),
                    "{what}: {id}"
                );
                let sha = string(p, "fileSha256", &what);
                assert!(
                    sha.len() == 64
                        && sha
                            .chars()
                            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                    "{what}: fileSha256 must be 64 lowercase hex digits"
                );
            }
            "npm" | "pypi" | "nuget" => {
                string(p, "version", &what);
            }
            other => panic!("{what}: unexpected registryType {other}"),
        }
        // The command line a client builds: the package's binary plus its arguments.
        let args: Vec<&str> = p["packageArguments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|arg| {
                        assert_eq!(
                            arg["type"], "positional",
                            "{what}: only positional arguments"
                        );
                        string(arg, "value", &format!("{what}.packageArguments[]"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            args,
            ["serve"],
            "{what}: the server starts with `reelsmith serve`"
        );

        let vars = p["environmentVariables"]
            .as_array()
            .unwrap_or_else(|| panic!("{what} describes no environment variables"));
        let mut names = BTreeSet::new();
        for v in vars {
            let n = string(v, "name", &format!("{what}.environmentVariables[]"));
            let vwhat = format!("{what} env {n}");
            string(v, "description", &vwhat);
            for flag in ["isRequired", "isSecret"] {
                if let Some(f) = v.get(flag) {
                    assert!(f.is_boolean(), "{vwhat}: {flag} must be a boolean");
                }
            }
            if let (Some(d), Some(choices)) = (v.get("default"), v.get("choices")) {
                assert!(
                    choices.as_array().unwrap().contains(d),
                    "{vwhat}: default not a choice"
                );
            }
            if let Some(f) = v.get("format") {
                assert!(
                    ["string", "number", "boolean", "filepath"].contains(&f.as_str().unwrap()),
                    "{vwhat}: format {f}"
                );
            }
            let secret = v.get("isSecret") == Some(&Value::Bool(true));
            assert_eq!(
                secret,
                n.ends_with("_TOKEN"),
                "{vwhat}: tokens, and only tokens, are secrets"
            );
            assert!(names.insert(n.to_string()), "{vwhat} is described twice");
        }
        let expected: BTreeSet<String> = REGISTRY_ENV.iter().map(|s| s.to_string()).collect();
        assert_eq!(names, expected, "{what}: environment variables");
    }
}

// ------------------------------------------------------------------------------------------------
// Versions.

#[test]
fn every_version_is_cargos() {
    let m = json("manifest/manifest.json");
    assert_eq!(m["version"], VERSION, "manifest/manifest.json version");
    let s = json("manifest/server.json");
    assert_eq!(s["version"], VERSION, "manifest/server.json version");
    for (i, p) in s["packages"].as_array().unwrap().iter().enumerate() {
        if let Some(v) = p.get("version") {
            assert_eq!(v, VERSION, "manifest/server.json packages[{i}].version");
        }
        let id = p["identifier"].as_str().unwrap();
        if id.starts_with("https://") {
            assert!(
                id.contains(&format!("v{VERSION}")),
                "packages[{i}] downloads another release: {id}"
            );
        }
    }
    let skill =
        reelsmith::skill::parse_frontmatter(&read("skill.md")).expect("skill.md frontmatter");
    assert_eq!(skill.version, VERSION, "skill.md version");
}

// ------------------------------------------------------------------------------------------------
// clawhub skill.

#[test]
fn skill_frontmatter_is_what_the_cloud_adapter_sends() {
    let text = read("skill.md");
    assert_eq!(
        text,
        reelsmith::skill::SKILL_MD,
        "the binary embeds another skill.md than the one on disk"
    );
    let info = reelsmith::skill::parse_frontmatter(&text).expect("skill.md has name and version");
    // X-Skill-Source / X-Skill-Version: what the cloud credits requests to.
    assert_eq!(&info, reelsmith::skill::info());
    assert_eq!(info.name, "ai-video-creation");
    assert_eq!(info.version, VERSION);

    let fm = frontmatter(&text);
    for key in [
        "name",
        "version",
        "displayName",
        "description",
        "homepage",
        "repository",
        "metadata",
    ] {
        assert!(
            fm.get(key).is_some_and(|v| !v.is_empty()),
            "skill.md frontmatter lacks {key}"
        );
    }
    assert_eq!(
        fm["version"],
        format!("\"{VERSION}\""),
        "the version is a quoted string, as the clawhub family writes it"
    );
    assert!(
        fm["name"]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    );
    for url in ["homepage", "repository"] {
        assert!(fm[url].starts_with("https://"), "{url}: {}", fm[url]);
    }

    let meta: Value = serde_json::from_str(&fm["metadata"])
        .unwrap_or_else(|e| panic!("skill.md metadata must be one line of JSON: {e}"));
    let claw = &meta["openclaw"];
    assert_eq!(claw["primaryEnv"], "NEMO_TOKEN");
    string(claw, "emoji", "metadata.openclaw");
    let bins: Vec<&str> = claw["requires"]["bins"]
        .as_array()
        .expect("requires.bins")
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    for b in ["reelsmith", "ffmpeg"] {
        assert!(bins.contains(&b), "requires.bins lacks {b}");
    }
    // ClawHub treats requires.env as must-be-set; the local backend needs no variable at all.
    assert_eq!(claw["requires"]["env"], serde_json::json!([]));
    if let Some(vars) = claw.get("envVars") {
        for v in vars.as_array().unwrap() {
            string(v, "name", "metadata.openclaw.envVars[]");
            assert_eq!(v["required"], false, "{v}: no variable is required");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn skill_teaches_every_tool_and_route() {
    let dir = tempfile::tempdir().unwrap();
    let text = read("skill.md");
    let body = skill_body(&text);
    for tool in server_tools(dir.path()).await {
        assert!(
            body.contains(&format!("`{tool}`")),
            "skill.md never mentions `{tool}`"
        );
    }
    for word in [
        "导出",
        "积分",
        "余额",
        "状态",
        "session_id",
        "wait_s",
        "rendering",
        "isError",
    ] {
        assert!(body.contains(word), "skill.md never mentions {word}");
    }
}

// ------------------------------------------------------------------------------------------------
// Client snippets, run as written.

#[tokio::test(flavor = "multi_thread")]
async fn claude_desktop_snippet_starts_the_server() {
    let c = json("manifest/clients/claude_desktop_config.json");
    let launch = Launch::from_entry(&c["mcpServers"]["reelsmith"], "mcpServers.reelsmith");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        tools_of(&launch, dir.path()).await,
        sorted(manifest_tools())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cursor_snippet_starts_the_server() {
    let c = json("manifest/clients/cursor/mcp.json");
    let launch = Launch::from_entry(&c["mcpServers"]["reelsmith"], "mcpServers.reelsmith");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        tools_of(&launch, dir.path()).await,
        sorted(manifest_tools())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn vscode_snippet_starts_the_server() {
    let c = json("manifest/clients/vscode/mcp.json");
    let entry = &c["servers"]["reelsmith"];
    assert_eq!(entry["type"], "stdio", "VS Code needs the transport type");
    let launch = Launch::from_entry(entry, "servers.reelsmith");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        tools_of(&launch, dir.path()).await,
        sorted(manifest_tools())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_code_line_starts_the_server() {
    let lines = claude_code_lines();
    let active: Vec<_> = lines.iter().filter(|(_, commented)| !commented).collect();
    assert_eq!(
        active.len(),
        1,
        "claude-code.sh runs one `claude mcp add`: {active:?}"
    );
    // Every variant shown, commented or not, must parse the way Claude Code reads it.
    for (line, _) in &lines {
        let add = parse_claude_add(line);
        assert_eq!(add.name, "reelsmith", "{line}");
        match add.transport.as_str() {
            "stdio" => assert_eq!(
                add.target.get(1..),
                Some(&["serve".to_string()][..]),
                "{line}"
            ),
            "http" => {
                assert_eq!(add.target, ["http://127.0.0.1:8787/mcp"], "{line}");
                assert_eq!(
                    add.headers,
                    ["Authorization: Bearer $REELSMITH_HTTP_TOKEN"],
                    "{line}"
                );
            }
            t => panic!("{line}: transport {t}"),
        }
    }
    let add = parse_claude_add(&active[0].0);
    assert_eq!(add.transport, "stdio");
    let launch = Launch {
        command: add.target[0].clone(),
        args: add.target[1..].to_vec(),
        env: add.env,
    };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        tools_of(&launch, dir.path()).await,
        sorted(manifest_tools())
    );
}

/// The README shows the same snippets as the files the tests above run.
#[test]
fn readme_install_snippets_are_the_tested_files() {
    let readme = read("README.md");
    let entry = |rel: &str, key: &str| json(rel)[key]["reelsmith"].clone();
    let desktop = entry("manifest/clients/claude_desktop_config.json", "mcpServers");
    let cursor = entry("manifest/clients/cursor/mcp.json", "mcpServers");
    let vscode = entry("manifest/clients/vscode/mcp.json", "servers");
    let mut shown = 0;
    for b in json_blocks(&readme) {
        if let Some(e) = b["mcpServers"].get("reelsmith") {
            assert!(
                *e == desktop || *e == cursor,
                "README snippet differs from the files: {e}"
            );
            shown += 1;
        }
        if let Some(e) = b["servers"].get("reelsmith") {
            assert_eq!(*e, vscode, "README's VS Code snippet differs from the file");
            shown += 1;
        }
    }
    assert!(
        shown >= 3,
        "README shows the Claude Desktop, Cursor and VS Code snippets"
    );
    let lines: Vec<String> = claude_code_lines().into_iter().map(|(l, _)| l).collect();
    let mut adds = 0;
    for l in readme.lines().filter(|l| l.starts_with("claude mcp add")) {
        let l = l.trim();
        parse_claude_add(l);
        assert!(
            lines.iter().any(|f| f == l),
            "README's `{l}` is not in claude-code.sh"
        );
        adds += 1;
    }
    assert!(adds >= 1, "README shows the Claude Code line");
}

/// One HTTP/1.0 request (no chunking: the body runs to the end of the connection); returns the
/// status, the headers (lower-case names) and the body read until `done(body)` or the end.
fn http(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    done: impl Fn(&str) -> bool,
) -> (u16, BTreeMap<String, String>, String) {
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    sock.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = match sock.read(&mut buf) {
            Ok(n) => n,
            Err(e) => panic!("reading the response to {body}: {e}"),
        };
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some(at) = text.find("\r\n\r\n")
            && done(&text[at + 4..])
        {
            break;
        }
        assert!(Instant::now() < deadline, "no complete response to {body}");
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// The JSON-RPC response with `id` in a JSON or SSE body.
fn rpc_response(body: &str, id: u64) -> Option<Value> {
    let candidates: Vec<&str> = if body.trim_start().starts_with('{') {
        vec![body.trim()]
    } else {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .collect()
    };
    candidates
        .into_iter()
        .filter_map(|c| serde_json::from_str::<Value>(c).ok())
        .find(|v| v["id"] == id)
}

#[test]
fn http_snippets_reach_the_server_with_the_token() {
    let md = read("manifest/clients/http.md");
    // The documented start line and the URL every client snippet must use.
    let start = md
        .lines()
        .find(|l| l.trim_start().starts_with("reelsmith serve --http "))
        .expect("http.md shows `reelsmith serve --http ADDR`");
    let addr = start.split_whitespace().nth(3).unwrap();
    let url = format!("http://{addr}/mcp");
    assert!(
        md.contains("REELSMITH_HTTP_TOKEN"),
        "http.md must set the token"
    );
    let blocks = json_blocks(&md);
    assert!(
        blocks.len() >= 2,
        "http.md shows the Cursor and VS Code snippets"
    );
    for b in &blocks {
        let entry = b["mcpServers"]["reelsmith"]
            .as_object()
            .or_else(|| b["servers"]["reelsmith"].as_object())
            .unwrap_or_else(|| panic!("a snippet without a reelsmith server: {b}"));
        assert_eq!(entry["url"], url.as_str(), "{b}");
        let auth = entry["headers"]["Authorization"]
            .as_str()
            .unwrap_or_default();
        assert!(
            auth.starts_with("Bearer ${"),
            "{b}: Authorization must be `Bearer <token>`"
        );
    }
    let claude = md
        .lines()
        .find(|l| l.starts_with("claude mcp add"))
        .expect("http.md shows the Claude Code line");
    let add = parse_claude_add(claude);
    assert_eq!(
        (add.transport.as_str(), add.target.as_slice()),
        ("http", &[url.clone()][..])
    );

    // Live: the server as documented (on a free port), reached at the documented path with a
    // bearer token, lists the tools; without the token it refuses.
    let (host, _) = addr.rsplit_once(':').unwrap();
    let path = url.split_once(addr).unwrap().1;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["serve", "--http", &format!("{host}:0")])
        .env_clear()
        .env("PATH", path_with_bin())
        .env("REELSMITH_HOME", dir.path().join("workspace"))
        .env("REELSMITH_HTTP_TOKEN", "tok-3f9a2c");
    let crate::support::HttpServer {
        mut child,
        addr: bound,
        ..
    } = crate::support::spawn_http(cmd);
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"manifest-test","version":"1"}}}"#;
    let (status, _, _) = http(&bound, path, &[], init, |_| false);
    assert_eq!(status, 401, "no token must be refused");

    let auth = ("Authorization", "Bearer tok-3f9a2c");
    let (status, headers, body) = http(&bound, path, &[auth], init, |b| {
        rpc_response(b, 1).is_some()
    });
    assert_eq!(status, 200, "{body}");
    let session = headers
        .get("mcp-session-id")
        .unwrap_or_else(|| panic!("no session id in {headers:?}"))
        .clone();
    let version = ("MCP-Protocol-Version", "2025-06-18");
    let sid = ("Mcp-Session-Id", session.as_str());
    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let (status, _, _) = http(&bound, path, &[auth, sid, version], initialized, |_| true);
    assert!((200..300).contains(&status), "initialized: {status}");
    let list = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#;
    let (status, _, body) = http(&bound, path, &[auth, sid, version], list, |b| {
        rpc_response(b, 2).is_some()
    });
    assert_eq!(status, 200, "{body}");
    let resp = rpc_response(&body, 2).unwrap_or_else(|| panic!("no tools/list answer in {body}"));
    let names = resp["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{resp}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sorted(names), sorted(manifest_tools()));
    child.kill().unwrap();
    child.wait().unwrap();
}
