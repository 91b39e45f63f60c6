//! An MCP client for the black-box tests: starts `reelsmith serve` over stdio with rmcp's own
//! client, records progress notifications, and reads results.

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, JsonRpcMessage, ProgressNotificationParam,
    ServerNotification,
};
use rmcp::service::{RunningService, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess, Transport};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The client side of the tests. Progress is recorded by [`WireOrder`] as it is read off the
/// transport: rmcp hands each notification to its handler in a task of its own, so the order in
/// which handlers run is not the order the server sent them in.
#[derive(Clone, Default)]
pub struct Recorder {
    pub progress: Arc<Mutex<Vec<(Instant, ProgressNotificationParam)>>>,
}

impl ClientHandler for Recorder {}

/// A transport that notes every progress notification in the order it arrives.
pub struct WireOrder<T> {
    inner: T,
    progress: Arc<Mutex<Vec<(Instant, ProgressNotificationParam)>>>,
}

impl<T: Transport<RoleClient>> WireOrder<T> {
    pub fn new(inner: T, recorder: &Recorder) -> Self {
        WireOrder {
            inner,
            progress: recorder.progress.clone(),
        }
    }
}

impl<T: Transport<RoleClient>> Transport<RoleClient> for WireOrder<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        let m = self.inner.receive().await;
        if let Some(JsonRpcMessage::Notification(n)) = &m
            && let ServerNotification::ProgressNotification(p) = &n.notification
        {
            self.progress
                .lock()
                .unwrap()
                .push((Instant::now(), p.params.clone()));
        }
        m
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

pub struct Server {
    pub client: RunningService<RoleClient, Recorder>,
    pub recorder: Recorder,
    pub home: PathBuf,
    /// The server process, for tests that kill it.
    pub pid: Option<u32>,
}

/// `reelsmith serve` on stdio with its own workspace and the local backend.
pub async fn start(home: &Path) -> Server {
    start_with(home, &[]).await
}

/// `reelsmith serve` with extra environment; its stderr (logs) goes to `log` when given.
pub async fn start_with(home: &Path, env: &[(&str, &str)]) -> Server {
    start_logged(home, env, None).await
}

/// As [`start_with`], writing the server's stderr to `log`.
pub async fn start_logged(home: &Path, env: &[(&str, &str)], log: Option<&Path>) -> Server {
    start_in(home, env, log, None).await
}

/// As [`start_logged`], with the server's working directory at `cwd` (relative paths in
/// requests name files there).
pub async fn start_in(
    home: &Path,
    env: &[(&str, &str)],
    log: Option<&Path>,
    cwd: Option<&Path>,
) -> Server {
    let recorder = Recorder::default();
    let home_s = home.to_path_buf();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_reelsmith"));
    let cwd = cwd.map(Path::to_path_buf);
    let mut builder =
        TokioChildProcess::builder(tokio::process::Command::new(bin).configure(|c| {
            c.arg("serve")
                .env("REELSMITH_HOME", &home_s)
                .env("RUST_LOG", "warn")
                .env_remove("REELSMITH_FONT_DIR")
                .env_remove("REELSMITH_BACKEND")
                .env_remove("NEMO_TOKEN");
            for (k, v) in &env {
                c.env(k, v);
            }
            if let Some(cwd) = &cwd {
                c.current_dir(cwd);
            }
        }));
    if let Some(log) = log {
        builder = builder.stderr(std::fs::File::create(log).expect("log file"));
    }
    let (transport, _) = builder.spawn().expect("spawn reelsmith serve");
    let pid = transport.id();
    let client = recorder
        .clone()
        .serve(WireOrder::new(transport, &recorder))
        .await
        .expect("initialize");
    Server {
        client,
        recorder,
        home: home.to_path_buf(),
        pid,
    }
}

impl Server {
    pub async fn call(&self, tool: &'static str, args: Value) -> CallToolResult {
        self.try_call(tool, args)
            .await
            .unwrap_or_else(|e| panic!("{tool} failed at the protocol level: {e}"))
    }

    pub async fn try_call(
        &self,
        tool: &'static str,
        args: Value,
    ) -> Result<CallToolResult, rmcp::ServiceError> {
        self.client
            .call_tool(
                CallToolRequestParams::new(tool)
                    .with_arguments(args.as_object().cloned().unwrap_or_default()),
            )
            .await
    }
}

pub fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn structured(r: &CallToolResult) -> &Value {
    r.structured_content
        .as_ref()
        .unwrap_or_else(|| panic!("no structuredContent: {}", text_of(r)))
}

pub fn ok(r: &CallToolResult) {
    assert_ne!(r.is_error, Some(true), "tool error: {}", text_of(r));
}

pub fn images(r: &CallToolResult) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    r.content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Image(i) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(&i.data)
                    .expect("base64 image"),
            ),
            _ => None,
        })
        .collect()
}
