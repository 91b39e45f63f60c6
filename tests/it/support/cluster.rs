//! Cluster-mode test helpers: front ends and workers as child processes, MCP clients of a
//! front end, and waiting on a job's record in the jobs bucket.

use super::mcp_client::text_of;
use super::nats::Killed;
use super::reelsmith;
use super::spawn_http;
use futures_util::StreamExt;
use reelsmith::cluster::job::JobRecord;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    Implementation,
};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// The bearer token of front ends started without a tokens file.
pub const TOKEN: &str = "cluster-test-7d2e9a4c1f8b6035";
pub type Client = rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>;

/// An MCP client of a front end, sending `token`.
pub async fn client(url: &str, token: &str) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            url.to_string(),
        )
        .auth_header(token),
    );
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("cluster-test", "1"),
    )
    .serve(transport)
    .await
    .unwrap()
}

/// Call a tool that answers at once.
pub async fn call(c: &Client, tool: &'static str, args: Value) -> CallToolResult {
    let p = CallToolRequestParams::new(tool).with_arguments(args.as_object().cloned().unwrap());
    match c.call_tool_once(p).await.unwrap() {
        CallToolResponse::Complete(r) => r,
        other => panic!("{tool}: expected a plain result, got {other:?}"),
    }
}

/// Call a tool that must succeed.
pub async fn good(c: &Client, tool: &'static str, args: Value) -> CallToolResult {
    let r = call(c, tool, args).await;
    assert_ne!(r.is_error, Some(true), "{tool}: {}", text_of(&r));
    r
}

/// `reelsmith serve --http 127.0.0.1:0 --cluster …` with its own workspace; tenants from
/// `tokens` (a REELSMITH_HTTP_TOKENS file) or the one [`TOKEN`].
pub fn front_end(home: &Path, urls: &str, tokens: Option<&Path>) -> (Killed, String) {
    let mut cmd = reelsmith(home);
    cmd.args(["serve", "--http", "127.0.0.1:0", "--cluster", urls])
        .args(["--replicas", "3"]);
    match tokens {
        Some(t) => cmd.env("REELSMITH_HTTP_TOKENS", t),
        None => cmd.env("REELSMITH_HTTP_TOKEN", TOKEN),
    };
    let s = spawn_http(cmd);
    // Its log is not needed; keep the pipe drained so it never blocks.
    let mut log = s.log;
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    (Killed(Some(s.child)), s.addr)
}

/// `reelsmith worker --cluster … --name NAME`, logging to `dir/NAME.log`.
pub fn worker(dir: &Path, urls: &str, name: &str) -> Killed {
    let home = dir.join(name);
    std::fs::create_dir_all(&home).unwrap();
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    let child = reelsmith(&home)
        .args([
            "worker",
            "--cluster",
            urls,
            "--replicas",
            "3",
            "--name",
            name,
        ])
        // Short, so a dead worker's job moves on quickly; live workers heartbeat well within it.
        .env("REELSMITH_CLUSTER_ACK_WAIT_S", "4")
        .env("REELSMITH_CLUSTER_MAX_DELIVER", "3")
        // Each job's start, end, skip or cancel, for the tests that read the log.
        .env("RUST_LOG", "reelsmith=info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start reelsmith worker");
    Killed(Some(child))
}

/// Wait (generously) until the job's record satisfies `ok`, and return it.
pub async fn record_until(
    kv: &async_nats::jetstream::kv::Store,
    job: &str,
    what: &str,
    ok: impl Fn(&JobRecord) -> bool,
) -> JobRecord {
    let mut watch = kv.watch_with_history(job).await.unwrap();
    let wait = async {
        while let Some(Ok(e)) = watch.next().await {
            if let Some(r) = JobRecord::from_bytes(&e.value)
                && ok(&r)
            {
                return r;
            }
        }
        panic!("the watch of job {job} ended before {what}");
    };
    tokio::time::timeout(Duration::from_secs(600), wait)
        .await
        .unwrap_or_else(|_| panic!("job {job}: timed out waiting for {what}"))
}

/// `reelsmith doctor --cluster URLS` run from `home`: its exit status and output.
pub async fn doctor(home: &Path, urls: &str) -> (bool, String) {
    let mut cmd = reelsmith(home);
    cmd.args(["doctor", "--cluster", urls]);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run reelsmith doctor"))
        .await
        .unwrap();
    (out.status.success(), super::text(&out))
}

/// `n` distinct 1280x720 stills in `dir`, as the paths upload_media takes.
pub fn stills(dir: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            super::still(dir, &format!("s{i}.jpg"), 1280, 720, i)
                .display()
                .to_string()
        })
        .collect()
}
