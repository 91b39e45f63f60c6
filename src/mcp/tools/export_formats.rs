//! `export_video` with `formats`: one MP4 per shape from the same edit, rendered side by side
//! (the renders share the machine's render slots and the cached soundtrack), each checked for
//! the platforms it is for.

use super::export_out::{ExportOut, FormatFile, readiness_text, with_shape};
use crate::backend::{ExportRequest, JobHandle, JobState, JobStatus};
use crate::mcp::{Progress, ReelsmithServer, error_result, failure, file_uri, structured_result};
use crate::publish::platform::Target;
use crate::publish::readiness::Readiness;
use rmcp::model::{CallToolResult, ContentBlock, Resource};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use std::time::Duration;

impl ReelsmithServer {
    /// Start (or join) one export per target and wait up to `wait` for all of them.
    pub(crate) async fn export_formats(
        &self,
        base: ExportRequest,
        targets: Vec<Target>,
        wait: Duration,
        ctx: &RequestContext<RoleServer>,
        progress: &Progress,
    ) -> Result<CallToolResult, McpError> {
        let mut handles: Vec<(Target, JobHandle)> = Vec::new();
        for t in targets {
            let req = ExportRequest {
                shape: Some(t.aspect),
                captions_file: false,
                output: base
                    .output
                    .as_deref()
                    .map(|p| with_shape(p, t.aspect.as_str())),
                ..base.clone()
            };
            match self.backend.export(req).await {
                Ok(h) => handles.push((t, h)),
                Err(e) => return failure(e),
            }
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Marked seen, so the watchers below wait for the next change.
            let statuses: Vec<JobStatus> = handles
                .iter_mut()
                .map(|(_, h)| h.status.borrow_and_update().clone())
                .collect();
            let running = statuses
                .iter()
                .filter(|s| s.state == JobState::Running)
                .count();
            let percent = statuses.iter().map(|s| s.percent).sum::<f64>() / statuses.len() as f64;
            progress
                .report(
                    percent,
                    &format!(
                        "Rendering {} formats: {percent:.0}% ({} done)",
                        statuses.len(),
                        statuses.len() - running
                    ),
                )
                .await;
            if running == 0 {
                break;
            }
            // Wake on any job's change, the deadline, or the client giving up.
            let mut watchers: Vec<_> = handles
                .iter()
                .filter(|(_, h)| h.status.borrow().state == JobState::Running)
                .map(|(_, h)| h.status.clone())
                .collect();
            let changes = futures_util::future::select_all(
                watchers.iter_mut().map(|w| Box::pin(w.changed())),
            );
            tokio::select! {
                (r, _, _) = changes => {
                    // A sender gone while running: the job goes on in the background.
                    if r.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => break,
                _ = ctx.ct.cancelled() => {
                    for (_, h) in &handles {
                        let _ = self.backend.cancel(&h.job_id).await;
                    }
                    return Ok(error_result(
                        "The export was cancelled; the formats not finished were not written.",
                    ));
                }
            }
        }
        Ok(summary(&handles))
    }
}

fn summary(handles: &[(Target, JobHandle)]) -> CallToolResult {
    let mut files = Vec::new();
    let mut lines = Vec::new();
    let mut links = Vec::new();
    for (t, h) in handles {
        let s = h.status.borrow().clone();
        let platforms: Vec<String> = t.platforms.iter().map(|p| p.to_string()).collect();
        // Only the verdicts of the platforms asked for.
        let readiness: Vec<Readiness> = s
            .result
            .as_ref()
            .map(|r| {
                r.readiness
                    .iter()
                    .filter(|v| platforms.contains(&v.platform))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let status = match s.state {
            JobState::Done => "done",
            JobState::Running => "rendering",
            _ => "failed",
        };
        match (&s.result, s.state) {
            (Some(r), JobState::Done) => {
                lines.push(format!(
                    "{} ({}): {} ({}x{}, {:.1} MB).{}",
                    t.aspect.as_str(),
                    platforms.join(", "),
                    r.path.display(),
                    r.width,
                    r.height,
                    r.size_bytes as f64 / 1e6,
                    readiness_text(&readiness)
                ));
                let name = r
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "video.mp4".into());
                links.push(ContentBlock::resource_link(
                    Resource::new(file_uri(&r.path), name)
                        .with_mime_type("video/mp4")
                        .with_size(r.size_bytes),
                ));
            }
            _ => lines.push(format!(
                "{} ({}): {} — {}",
                t.aspect.as_str(),
                platforms.join(", "),
                status,
                s.message
            )),
        }
        files.push(FormatFile {
            shape: t.aspect.as_str().into(),
            platforms,
            status: status.into(),
            percent: (s.percent * 10.0).round() / 10.0,
            output_path: s.result.as_ref().map(|r| r.path.display().to_string()),
            size: s.result.as_ref().map(|r| (r.width, r.height)),
            size_bytes: s.result.as_ref().map(|r| r.size_bytes),
            message: s.message.clone(),
            readiness,
        });
    }
    let first = handles[0].1.status.borrow().clone();
    let mut out = ExportOut::from_status(&first);
    // The files are listed one by one.
    (
        out.output_path,
        out.duration_s,
        out.width,
        out.height,
        out.size_bytes,
    ) = (None, out.duration_s, None, None, None);
    out.readiness.clear();
    let all_done = files.iter().all(|f| f.status == "done");
    let any_running = files.iter().any(|f| f.status == "rendering");
    out.status = if all_done {
        "done".into()
    } else if any_running {
        "rendering".into()
    } else {
        "failed".into()
    };
    out.percent = files.iter().map(|f| f.percent).sum::<f64>() / files.len() as f64;
    out.files = files;
    let head = if all_done {
        format!("Exported {} formats from one edit:", handles.len())
    } else if any_running {
        "Still rendering; call export_video again with the same session_id and formats to wait or collect the files:".to_string()
    } else {
        "Some formats failed:".to_string()
    };
    let text = format!("{head}\n{}", lines.join("\n"));
    let mut result = if all_done || any_running {
        structured_result(text, &out)
    } else {
        let mut r = structured_result(text, &out);
        r.is_error = Some(true);
        r
    };
    result.content.extend(links);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    #[test]
    fn shapes_name_their_files() {
        assert_eq!(
            with_shape(Path::new("/out/promo.mp4"), "9:16"),
            PathBuf::from("/out/promo-9x16.mp4")
        );
    }
}
