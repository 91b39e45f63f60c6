//! export_video as an MCP task (tasks extension, SEP-2663) for clients that declare it: the call
//! returns a task at once, the render runs to the end in the background, `tasks/get` reports
//! the render's progress message and then the same result a waiting call would give, and
//! `tasks/cancel` stops the render and removes the partial file. Progress notifications keep
//! flowing to the request's token either way.

use super::follow::{Followed, follow};
use crate::backend::{Backend, ExportRequest, JobStatus};
use crate::mcp::{Progress, error_result};
use rmcp::model::{CallToolResponse, CallToolResult, CreateTaskResult};
use rmcp::task_manager::{TaskExit, TaskManager, TaskOptions};
use std::sync::Arc;

/// How long a finished export task stays readable by `tasks/get` (and how long a render may
/// run as a task): a day.
const TASK_TTL_MS: u64 = 24 * 3600 * 1000;
/// How often clients are asked to poll.
const POLL_MS: u64 = 1000;

/// Start (or join) the export as a task and return it; `finished` says what a stopped job means
/// to the agent (the same words a waiting call gives).
pub(crate) fn export_as_task(
    tasks: &TaskManager,
    backend: Arc<dyn Backend>,
    req: ExportRequest,
    progress: Progress,
    finished: fn(&JobStatus) -> CallToolResult,
) -> CallToolResponse {
    let task = tasks.spawn(
        TaskOptions::new()
            .with_ttl_ms(TASK_TTL_MS)
            .with_poll_interval_ms(POLL_MS)
            .with_status_message("Starting the render"),
        move |tctx| {
            Box::pin(async move {
                let handle = match backend.export(req).await {
                    Ok(h) => h,
                    Err(e) => return Ok(error_result(e.to_string())),
                };
                let job_id = handle.job_id.clone();
                let on_status = |s: &JobStatus| tctx.set_status_message(s.message.clone());
                let followed = follow(
                    &*backend,
                    &job_id,
                    handle.status,
                    &progress,
                    on_status,
                    tctx.cancelled(),
                )
                .await;
                match followed {
                    Followed::Settled(Ok(s)) => Ok(finished(&s)),
                    Followed::Settled(Err(e)) => Ok(error_result(e.to_string())),
                    Followed::Stopped((), _) => {
                        let _ = backend.cancel(&job_id).await;
                        tracing::info!(job = %job_id, task = %tctx.task_id(), "export task cancelled");
                        Err(TaskExit::Cancelled)
                    }
                }
            })
        },
    );
    CallToolResponse::Task(CreateTaskResult::new(task))
}
