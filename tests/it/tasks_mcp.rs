//! export_video as an MCP task (tasks extension) for a client that declares it: the call returns
//! a task, `tasks/get` reports progress and then the finished export, and `tasks/cancel` stops a
//! render and leaves no file. (Clients without the extension keep the wait_s behaviour: every
//! other MCP test is one.)

use crate::support::*;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ClientCapabilities,
    ClientConfig, GetTaskParams, Implementation, TaskPayload, TaskStatus,
};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

async fn tasks_client(
    home: &Path,
) -> rmcp::service::RunningService<rmcp::RoleClient, ClientConfig> {
    let home = home.to_path_buf();
    let (transport, _) = TokioChildProcess::builder(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_reelsmith")).configure(|c| {
            c.arg("serve")
                .env("REELSMITH_HOME", &home)
                .env("RUST_LOG", "warn")
                .env_remove("REELSMITH_BACKEND");
        }),
    )
    .spawn()
    .unwrap();
    ClientConfig::new(
        ClientCapabilities::builder().enable_tasks().build(),
        Implementation::new("tasks-test", "1"),
    )
    .serve(transport)
    .await
    .unwrap()
}

fn args(v: Value) -> CallToolRequestParams {
    CallToolRequestParams::new("export_video").with_arguments(v.as_object().cloned().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn export_runs_as_a_task_that_completes_or_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let client = tasks_client(&dir.path().join("home")).await;
    assert!(client.peer_info().unwrap().capabilities.supports_tasks());
    let files: Vec<String> = (0..4)
        .map(|i| {
            still(dir.path(), &format!("t{i}.jpg"), 1280, 720, i)
                .display()
                .to_string()
        })
        .collect();
    let made = client
        .call_tool(
            CallToolRequestParams::new("create_video").with_arguments(
                json!({"prompt": "a 20 second video with music", "files": files,
                       "options": {"resolution": "720p"}})
                .as_object()
                .cloned()
                .unwrap(),
            ),
        )
        .await
        .unwrap();
    let sid = made.structured_content.unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_string();

    // A task that runs to the end: the result is the finished export.
    let out = dir.path().join("task.mp4");
    let response = client
        .call_tool_once(args(json!({"session_id": sid, "output_path": out})))
        .await
        .unwrap();
    let CallToolResponse::Task(created) = response else {
        panic!("expected a task, got {response:?}")
    };
    let id = created.task.task_id.clone();
    let mut messages = Vec::new();
    let done = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let info = client
            .peer()
            .get_task(GetTaskParams::new(id.clone()))
            .await
            .unwrap();
        if let Some(m) = info.task.task.status_message.as_deref() {
            messages.push(m.to_string());
        }
        if info.task.status().is_terminal() {
            break info.task;
        }
    };
    let TaskPayload::Completed { result } = done.payload else {
        panic!("expected a completed task, got {:?}", done.payload)
    };
    let result: CallToolResult = serde_json::from_value(Value::Object(result)).unwrap();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let s = result.structured_content.unwrap();
    assert_eq!(s["status"], "done");
    assert_eq!(s["output_path"], out.display().to_string());
    assert!((duration(&probe(&out)) - 20.0).abs() < 0.2);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Rendering") || m.contains('%')),
        "{messages:?}"
    );

    // A task cancelled mid-render: cancelled, and nothing left at the output path.
    let edit = client
        .call_tool(
            CallToolRequestParams::new("create_video").with_arguments(
                json!({"session_id": sid, "prompt": "make it 30 seconds"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_ne!(edit.is_error, Some(true));
    let out2 = dir.path().join("cancelled.mp4");
    let CallToolResponse::Task(created) = client
        .call_tool_once(args(json!({"session_id": sid, "output_path": out2})))
        .await
        .unwrap()
    else {
        panic!("expected a task")
    };
    let id = created.task.task_id.clone();
    // Cancel once the render is under way.
    for _ in 0..100 {
        let info = client
            .peer()
            .get_task(GetTaskParams::new(id.clone()))
            .await
            .unwrap();
        if info
            .task
            .task
            .status_message
            .as_deref()
            .is_some_and(|m| m.contains("Rendering"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
        .peer()
        .cancel_task(CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    let mut status = None;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let info = client
            .peer()
            .get_task(GetTaskParams::new(id.clone()))
            .await
            .unwrap();
        if info.task.status().is_terminal() {
            status = Some(info.task.status());
            break;
        }
    }
    assert_eq!(status, Some(TaskStatus::Cancelled));
    // The render stops and cleans up (give the ffmpeg child a moment to be reaped).
    for _ in 0..100 {
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with("cancelled") || n.contains(".partial") || n.starts_with(".cancelled")
            })
            .collect();
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Long enough for the 30 s render to have finished had it gone on.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!out2.exists(), "a cancelled export left {}", out2.display());
    client.cancel().await.unwrap();
}
