//! Export jobs: a revision rendered in the background (joined when already rendering, handed
//! back when already rendered), then checked for posting.

use super::LocalBackend;
use crate::backend::jobs::{JobEnd, Joined};
use crate::backend::{BackendError, ExportRequest, ExportResult, JobHandle, JobState, JobStatus};
use crate::media::MediaInfo;
use crate::publish::readiness;
use crate::render::{self, RenderProgress, RenderRequest, Stage, encode};
use crate::timeline::Timeline;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

impl LocalBackend {
    /// Start (or join, or hand back the finished file of) an export: the render job runs in
    /// the background, then the file's readiness for posting is checked.
    pub(super) async fn start_export(&self, req: ExportRequest) -> Result<JobHandle, BackendError> {
        self.require_session(&req.session_id)?;
        let tools = self.tools()?.clone();
        let session = req.session_id.clone();
        let tl = match req.revision {
            Some(rev) => self.revision(&session, rev)?,
            None => self.store.current_timeline(&session)?.ok_or_else(|| {
                BackendError::Unavailable(format!(
                    "session {session} has no timeline to export; call create_video first"
                ))
            })?,
        };
        // Another shape is the same edit on that frame; the edit's own shape is a plain export.
        let own = own_aspect(&tl);
        let shape = req.shape.filter(|a| Some(*a) != own);
        let tl = match shape {
            Some(a) => crate::director::format::reshape(&tl, a),
            None => tl,
        };
        let shape_s = shape.map(|a| a.as_str());
        let output = match &req.output {
            Some(p) => std::path::absolute(p).unwrap_or_else(|_| p.clone()),
            None => self.default_output(&session, tl.rev, req.draft, shape),
        };
        let output_s = output.to_string_lossy().into_owned();

        // Never render a revision twice: hand back its finished file, or join the job already
        // rendering it (to this path, or to any path when none was asked for).
        let done = match &req.output {
            Some(_) => self
                .store
                .job_for(&session, tl.rev, &output_s, req.draft, shape_s)?,
            None => self
                .store
                .latest_done_job(&session, tl.rev, req.draft, shape_s)?,
        };
        if let Some(rec) = done
            && rec.state == JobState::Done
            && Path::new(&rec.output).is_file()
        {
            return Ok(JobHandle::finished(JobStatus::from_record(&rec)));
        }
        let same_output = |rec_output: &str| req.output.is_none() || rec_output == output_s;
        let joined = self.jobs.find_or_start_for(
            self.tenant_name(),
            self.limits().max_renders,
            |id, s| {
                s.session_id == session
                    && s.revision == tl.rev
                    && s.draft == req.draft
                    && s.shape.as_deref() == shape_s
                    && self
                        .store
                        .job(id)
                        .ok()
                        .flatten()
                        .is_some_and(|rec| same_output(&rec.output))
            },
            || {
                if !req.overwrite && output.exists() {
                    return Err(render::RenderError::OutputExists(output.clone()).into());
                }
                self.check_storage(0)?;
                let rec = self
                    .store
                    .create_job(&session, tl.rev, &output_s, req.draft, shape_s)?;
                let mut status = JobStatus::from_record(&rec);
                status.message = "Queued".into();
                Ok(status)
            },
        )?;
        let (tx, handle, cancel) = match joined {
            Joined::Running(h) => return Ok(h),
            Joined::Started { tx, handle, cancel } => (tx, handle, cancel),
        };
        let media: HashMap<String, MediaInfo> = self
            .store
            .media(&session)?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        // A draft is the same edit on a 360p frame (text and motion scale with the frame),
        // encoded with the fastest preset.
        let (tl, encode) = for_quality(tl, req.draft);
        let draft = req.draft;
        let captions_file = req.captions_file;
        let store = self.store.clone();
        let scratch = self.ws.scratch();
        let job_id = handle.job_id.clone();
        let overwrite = req.overwrite;
        let live_jobs = self.jobs.clone();
        let cache = self.cache.clone();
        tokio::spawn(async move {
            let last_write = Mutex::new(Instant::now() - Duration::from_secs(10));
            let on_progress = |p: RenderProgress| {
                let msg = progress_message(&p);
                tx.send_modify(|s| {
                    s.percent = p.percent;
                    s.message = msg.clone();
                });
                let mut lw = last_write.lock().unwrap_or_else(|e| e.into_inner());
                if lw.elapsed() >= Duration::from_secs(1) {
                    *lw = Instant::now();
                    let _ = store.update_job(&job_id, JobState::Running, p.percent, &msg, None);
                }
            };
            let result = render::render(
                &RenderRequest {
                    timeline: &tl,
                    media: &media,
                    output: &output,
                    overwrite,
                    scratch: &scratch,
                    encode,
                    cache: cache.as_ref(),
                    one_window: false,
                    team: None,
                },
                &tools,
                &on_progress,
                &cancel,
            )
            .await;
            // A final is checked against the platforms its shape suits.
            let readiness = match (&result, own_aspect(&tl)) {
                (Ok(r), Some(aspect)) if !draft => {
                    readiness::report(r, aspect, &tl, &media, &tools, cache.as_ref()).await
                }
                _ => Vec::new(),
            };
            let (state, percent, message, result) = match result {
                Ok(r) => {
                    let captions_files = if captions_file {
                        render::subtitles::write_beside(&tl, &r.path).unwrap_or_else(|e| {
                            tracing::warn!(error = %e, "could not write the caption files");
                            Vec::new()
                        })
                    } else {
                        Vec::new()
                    };
                    let res = ExportResult {
                        captions_files,
                        path: r.path,
                        duration_s: r.duration_s,
                        width: r.width,
                        height: r.height,
                        size_bytes: r.size_bytes,
                        url: None,
                        readiness,
                    };
                    (
                        JobState::Done,
                        100.0,
                        format!(
                            "{}: {} ({:.1} s, {}x{}, {:.1} MB)",
                            if draft {
                                "Draft done (a quick 360p preview; export without quality \"draft\" for the final file)"
                            } else {
                                "Done"
                            },
                            res.path.display(),
                            res.duration_s,
                            res.width,
                            res.height,
                            res.size_bytes as f64 / 1e6
                        ),
                        Some(res),
                    )
                }
                Err(render::RenderError::Cancelled) => (
                    JobState::Cancelled,
                    tx.borrow().percent,
                    "The render was cancelled; nothing was written".to_string(),
                    None,
                ),
                Err(e) => (
                    JobState::Failed,
                    tx.borrow().percent,
                    format!("Render failed: {e}"),
                    None,
                ),
            };
            live_jobs.finish(
                &store,
                &tx,
                &job_id,
                JobEnd {
                    state,
                    percent,
                    message,
                    result,
                },
            );
        });
        Ok(handle)
    }
}

/// The timeline and encoder settings a final (`draft` false) or a draft renders with. A draft is
/// the same edit on a 360p frame (text and motion scale with the frame), encoded with the fastest
/// preset.
pub(crate) fn for_quality(tl: Timeline, draft: bool) -> (Timeline, encode::EncodeSettings) {
    if !draft {
        return (tl, encode::EncodeSettings::default());
    }
    let mut d = tl;
    let short = d.meta.width.min(d.meta.height).max(1);
    (d.meta.width, d.meta.height) = encode::draft_size(d.meta.width, d.meta.height);
    // Sizes given in pixels are pixels of the final frame: scale them with it.
    let scale = f64::from(d.meta.width.min(d.meta.height)) / f64::from(short);
    if let Some(track) = d.track_mut(crate::timeline::TT_TEXT) {
        for seg in &mut track.segments {
            if let Some(style) = seg.style.as_mut()
                && let Some(crate::timeline::style::TextSize::Px(px)) = style.size
            {
                style.size = Some(crate::timeline::style::TextSize::Px(px * scale));
            }
        }
    }
    (d, encode::EncodeSettings::draft())
}

/// The shape of the edit's frame.
pub(crate) fn own_aspect(tl: &crate::timeline::Timeline) -> Option<crate::timeline::Aspect> {
    tl.meta.aspect.or_else(|| {
        let r = f64::from(tl.meta.width) / f64::from(tl.meta.height.max(1));
        crate::timeline::Aspect::ALL.into_iter().find(|a| {
            let (p, q) = a.ratio();
            (r - f64::from(p) / f64::from(q)).abs() < 0.01
        })
    })
}

pub(crate) fn progress_message(p: &RenderProgress) -> String {
    match p.stage {
        Stage::Video => format!(
            "Rendering {:.0}% ({:.1} s of {:.1} s)",
            p.percent, p.done_s, p.total_s
        ),
        s => format!("{} ({:.0}%)", capitalise(s.as_str()), p.percent),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
