//! Cloud exports as jobs: submit the draft for rendering (a fresh `id` per attempt), poll both
//! documented reply shapes, then download the MP4 next to its destination, describe it, and
//! rename it into place, so a failed or cancelled export never leaves a file at the output path.
//! Every step listens for cancellation; a render already submitted (even one whose submit was
//! cut short) is withdrawn with the id we chose for it.

use super::client::{Client, Failure, Reply, failure_to_error};
use super::errors::NemoError;
use super::{NemoBackend, Timings};
use crate::backend::jobs::Joined;
use crate::backend::{BackendError, ExportRequest, ExportResult, JobHandle, JobState, JobStatus};
use crate::render::RenderError;
use crate::store::Store;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Start (or join) the export of the session's current draft.
pub(super) async fn start(b: &NemoBackend, req: ExportRequest) -> Result<JobHandle, BackendError> {
    let session = req.session_id.clone();
    if req.draft {
        return Err(BackendError::Unavailable(
            "draft previews are rendered on this machine by the local backend; the NemoVideo cloud renders the final video only. Export without quality \"draft\"".into(),
        ));
    }
    let mut rec = b.record(&session)?;
    let draft = b.draft(&session, &mut rec).await?.ok_or_else(|| {
        BackendError::Unavailable(format!(
            "session {session} has nothing to export yet; make the video with create_video first"
        ))
    })?;
    // A draft that changed since the last turn is a new revision (see `observe`).
    b.observe(&session, &mut rec, &draft)?;
    let wanted = req
        .output
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    if let Some(done) = b.store.latest_done_job(&session, rec.turns, false, None)?
        && Path::new(&done.output).is_file()
        && wanted
            .as_ref()
            .is_none_or(|w| w.to_string_lossy() == done.output)
    {
        return Ok(JobHandle::finished(JobStatus::from_record(&done)));
    }
    let output = wanted.unwrap_or_else(|| {
        crate::backend::default_export_dir(&b.home).join(format!("{session}-r{}.mp4", rec.turns))
    });
    let joined = b.jobs.find_or_start(
        |id, s| {
            s.session_id == session
                && s.revision == rec.turns
                && (req.output.is_none()
                    || b.store
                        .job(id)
                        .ok()
                        .flatten()
                        .is_some_and(|j| j.output == output.to_string_lossy()))
        },
        || {
            if !req.overwrite && output.exists() {
                return Err(RenderError::OutputExists(output.clone()).into());
            }
            let job =
                b.store
                    .create_job(&session, rec.turns, &output.to_string_lossy(), false, None)?;
            let mut status = JobStatus::from_record(&job);
            status.message = "Submitting the render to NemoVideo".into();
            Ok(status)
        },
    )?;
    let (tx, handle, cancel) = match joined {
        Joined::Running(h) => return Ok(h),
        Joined::Started { tx, handle, cancel } => (tx, handle, cancel),
    };
    let work = Work {
        client: b.client.clone(),
        store: b.store.clone(),
        timings: b.timings,
        nemo_session: rec.nemo_session.clone(),
        draft,
        output,
        overwrite: req.overwrite,
        job_id: handle.job_id.clone(),
        tools: b.tools.clone(),
    };
    let jobs = b.jobs.clone();
    tokio::spawn(async move {
        let job_id = work.job_id.clone();
        let store = work.store.clone();
        let result = work.run(&tx, &cancel).await;
        let (state, message, result) = match result {
            Ok(r) => (
                JobState::Done,
                format!(
                    "Done: {} ({:.1} s, {}x{}, {:.1} MB)",
                    r.path.display(),
                    r.duration_s,
                    r.width,
                    r.height,
                    r.size_bytes as f64 / 1e6
                ),
                Some(r),
            ),
            Err(None) => (
                JobState::Cancelled,
                format!(
                    "The render was cancelled (at: {}); any render started on NemoVideo was withdrawn and nothing was written",
                    tx.borrow().message
                ),
                None,
            ),
            Err(Some(e)) => (JobState::Failed, e.to_string(), None),
        };
        let percent = if state == JobState::Done {
            100.0
        } else {
            tx.borrow().percent
        };
        jobs.finish(
            &store,
            &tx,
            &job_id,
            crate::backend::jobs::JobEnd {
                state,
                percent,
                message,
                result,
            },
        );
    });
    Ok(handle)
}

struct Work {
    client: Arc<Client>,
    store: Arc<Store>,
    timings: Timings,
    nemo_session: String,
    draft: Value,
    output: PathBuf,
    overwrite: bool,
    job_id: String,
    tools: Option<crate::ffmpeg::Tools>,
}

/// Percent from a poll reply's progress (0–100, or a 0–1 fraction).
fn percent_of(p: f64) -> f64 {
    if p > 0.0 && p < 1.0 { p * 100.0 } else { p }.clamp(0.0, 100.0)
}

impl Work {
    fn report(&self, tx: &watch::Sender<JobStatus>, percent: f64, message: String) {
        tx.send_modify(|s| {
            s.percent = s.percent.max(percent);
            s.message = message.clone();
        });
        let _ = self
            .store
            .update_job(&self.job_id, JobState::Running, percent, &message, None);
    }

    /// Ok(result), Err(None) when cancelled, Err(Some(e)) on failure.
    async fn run(
        &self,
        tx: &watch::Sender<JobStatus>,
        cancel: &CancellationToken,
    ) -> Result<ExportResult, Option<NemoError>> {
        let tried = std::sync::Mutex::new(Vec::new());
        let submitted = tokio::select! {
            r = self.submit(&tried) => Some(r),
            _ = cancel.cancelled() => None,
        };
        let render_id = match submitted {
            Some(r) if !cancel.is_cancelled() => r.map_err(Some)?,
            _ => {
                // The service may have taken the render before the cut: withdraw what we sent.
                let ids = std::mem::take(&mut *tried.lock().unwrap_or_else(|e| e.into_inner()));
                for id in ids {
                    self.withdraw(&id).await;
                }
                return Err(None);
            }
        };
        self.report(tx, 5.0, "Rendering in the cloud".into());
        let deadline = tokio::time::Instant::now() + self.timings.render_timeout;
        let url = loop {
            tokio::select! {
                _ = tokio::time::sleep(self.timings.render_poll) => {}
                _ = cancel.cancelled() => {
                    self.withdraw(&render_id).await;
                    return Err(None);
                }
            }
            let id = render_id.clone();
            let data = self
                .client
                .json("render poll", move |http, base| {
                    Ok(http.get(format!("{base}/api/render/proxy/lambda/{id}")))
                })
                .await
                .map_err(Some)?;
            // Both documented shapes: {data:{status,outputUrl}} (unwrapped) and {status, output:{url}}.
            let status = data["status"].as_str().unwrap_or("pending").to_lowercase();
            let progress = percent_of(data["progress"].as_f64().unwrap_or(0.0));
            let url = data["outputUrl"]
                .as_str()
                .or(data["output_url"].as_str())
                .or(data["output"]["url"].as_str())
                .or(data["url"].as_str())
                .map(str::to_string);
            match status.as_str() {
                "completed" | "complete" | "done" | "succeeded" | "success" => break url,
                "failed" | "error" | "cancelled" | "canceled" => {
                    let why = data["error"]
                        .as_str()
                        .or(data["message"].as_str())
                        .unwrap_or("no reason given");
                    return Err(Some(NemoError::Render(format!(
                        "the render failed on NemoVideo ({why}). Exporting is free: call export_video again to retry, or change the video with create_video first"
                    ))));
                }
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Some(NemoError::Render(format!(
                    "the cloud render did not finish within {} min (last status '{status}', {progress:.0}%); it may still complete — call export_video again later",
                    self.timings.render_timeout.as_secs().div_ceil(60)
                ))));
            }
            self.report(
                tx,
                5.0 + progress * 0.85,
                format!("Rendering in the cloud: {progress:.0}% ({status})"),
            );
        };
        self.report(tx, 90.0, "Downloading the MP4".into());
        let (partial, size) = self.download(&render_id, url.as_deref(), cancel).await?;
        self.report(tx, 98.0, "Checking the MP4".into());
        let (duration_s, width, height) = self.describe_file(partial.path(), cancel).await?;
        crate::output::place(partial, &self.output, self.overwrite).map_err(|e| {
            Some(NemoError::Render(format!(
                "cannot write {}: {e}",
                self.output.display()
            )))
        })?;
        Ok(ExportResult {
            captions_files: Vec::new(),
            path: self.output.clone(),
            duration_s,
            width,
            height,
            size_bytes: size,
            url,
            readiness: Vec::new(),
        })
    }

    /// Ask the service to stop a render (best effort, briefly: the job is already stopping).
    async fn withdraw(&self, id: &str) {
        let id = id.to_string();
        let r = self
            .client
            .send("render cancel", move |http, base| {
                Ok(http
                    .post(format!("{base}/api/render/proxy/lambda/{id}/cancel"))
                    .header("Content-Length", "0")
                    .timeout(std::time::Duration::from_secs(10)))
            })
            .await;
        if let Err(f) = r {
            tracing::info!(error = %failure_to_error("render cancel", f), "the render could not be withdrawn");
        }
    }

    /// Submit the render; a refused (duplicate) id is retried once with a new one. Each id is
    /// noted in `tried` before it is sent, so a cancelled submit can be withdrawn.
    async fn submit(&self, tried: &std::sync::Mutex<Vec<String>>) -> Result<String, NemoError> {
        let mut last = None;
        for _ in 0..2 {
            let id = format!("render_{}", uuid::Uuid::new_v4().simple());
            tried
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(id.clone());
            let body = json!({
                "id": id,
                "sessionId": self.nemo_session,
                "draft": self.draft,
                "output": {"format": "mp4", "quality": "high"},
            });
            match self
                .client
                .send("render submit", move |http, base| {
                    Ok(http
                        .post(format!("{base}/api/render/proxy/lambda"))
                        .json(&body))
                })
                .await
            {
                Ok(Reply::Json(v)) => {
                    return Ok(v["id"].as_str().map(str::to_string).unwrap_or(id));
                }
                Ok(Reply::Raw(_)) => return Ok(id),
                Err(Failure::Code(code, msg)) => {
                    last = Some(failure_to_error(
                        "render submit",
                        Failure::Code(code, msg.clone()),
                    ));
                    let dup = msg.to_lowercase();
                    if !(dup.contains("duplicate") || dup.contains("exist")) {
                        break;
                    }
                }
                Err(f) => return Err(failure_to_error("render submit", f)),
            }
        }
        Err(last.unwrap_or(NemoError::Render(
            "the render could not be submitted".into(),
        )))
    }

    /// Fetch the MP4 into a hidden partial file beside the output (placed by the caller).
    async fn download(
        &self,
        render_id: &str,
        url: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<(tempfile::NamedTempFile, u64), Option<NemoError>> {
        let io = |e: std::io::Error| {
            Some(NemoError::Render(format!(
                "cannot write {}: {e}",
                self.output.display()
            )))
        };
        let partial = crate::output::partial_beside(&self.output).map_err(io)?;
        // The CDN link first (no credentials go to it); the API's download endpoint otherwise.
        let mut resp = None;
        if let Some(u) = url.filter(|u| u.starts_with("http")) {
            let plain = crate::http::client_builder()
                .connect_timeout(std::time::Duration::from_secs(20))
                .build();
            let got = match plain {
                Ok(c) => c.get(u).send().await,
                Err(e) => Err(e),
            };
            match got {
                Ok(r) if r.status().is_success() => resp = Some(r),
                Ok(r) => {
                    tracing::info!(status = %r.status(), "render URL refused; using the download endpoint")
                }
                Err(e) => {
                    tracing::info!(error = %crate::http::describe_error(&e), "render URL failed; using the download endpoint")
                }
            }
        }
        let resp = match resp {
            Some(r) => r,
            None => {
                let id = render_id.to_string();
                match self
                    .client
                    .send("download", move |http, base| {
                        Ok(http.get(format!("{base}/api/render/proxy/{id}/download")))
                    })
                    .await
                {
                    Ok(Reply::Raw(r)) => r,
                    Ok(Reply::Json(_)) => {
                        return Err(Some(NemoError::Render(
                            "the download endpoint answered with JSON instead of the video".into(),
                        )));
                    }
                    Err(f) => return Err(Some(failure_to_error("download", f))),
                }
            }
        };
        let mut file = tokio::fs::File::from_std(partial.reopen().map_err(io)?);
        let mut stream = resp.bytes_stream();
        let mut size = 0u64;
        loop {
            let chunk = tokio::select! {
                c = stream.next() => c,
                _ = cancel.cancelled() => return Err(None),
            };
            match chunk {
                None => break,
                Some(Ok(bytes)) => {
                    size += bytes.len() as u64;
                    file.write_all(&bytes).await.map_err(io)?;
                }
                Some(Err(e)) => {
                    return Err(Some(NemoError::Render(format!(
                        "the download broke off ({}); call export_video again",
                        crate::http::describe_error(&e)
                    ))));
                }
            }
        }
        file.flush().await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        if size == 0 {
            return Err(Some(NemoError::Render(
                "NemoVideo sent an empty file; call export_video again".into(),
            )));
        }
        Ok((partial, size))
    }

    /// Duration and size of the downloaded file (ffprobe when available, else the draft's);
    /// Err(None) when cancelled meanwhile.
    async fn describe_file(
        &self,
        path: &Path,
        cancel: &CancellationToken,
    ) -> Result<(f64, u32, u32), Option<NemoError>> {
        let from_draft = (
            self.draft["d"].as_f64().unwrap_or(0.0) / 1000.0,
            self.draft["m"]["width"].as_u64().unwrap_or(0) as u32,
            self.draft["m"]["height"].as_u64().unwrap_or(0) as u32,
        );
        let Some(tools) = &self.tools else {
            return Ok(from_draft);
        };
        let mut cmd = tools.ffprobe_command();
        cmd.args(["-show_streams", "-show_format"]).arg(path);
        let out = match crate::ffmpeg::run(
            "ffprobe",
            cmd,
            crate::ffmpeg::RunOptions {
                timeout: Some(std::time::Duration::from_secs(30)),
                cancel: Some(cancel),
                ..Default::default()
            },
        )
        .await
        {
            Ok(out) => out,
            Err(crate::ffmpeg::FfmpegError::Cancelled) => return Err(None),
            Err(_) => return Ok(from_draft),
        };
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let video = v["streams"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"));
        Ok((
            v["format"]["duration"]
                .as_str()
                .and_then(|d| d.parse().ok())
                .unwrap_or(from_draft.0),
            video
                .and_then(|s| s["width"].as_u64())
                .map(|w| w as u32)
                .unwrap_or(from_draft.1),
            video
                .and_then(|s| s["height"].as_u64())
                .map(|h| h as u32)
                .unwrap_or(from_draft.2),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::percent_of;

    #[test]
    fn progress_scales() {
        assert_eq!(percent_of(42.0), 42.0);
        assert_eq!(percent_of(0.42), 42.0);
        assert_eq!(percent_of(100.0), 100.0);
        assert_eq!(percent_of(250.0), 100.0);
    }
}
