//! The questions the tools put to the person before something they may not want (see
//! [`confirm`](crate::mcp::confirm) for how they are asked): replacing an existing file, a render
//! estimated at over ten minutes on this machine, and a cloud call that spends credits. Each is
//! asked only where the client can show a form; other clients keep the explicit arguments.

use super::export_out::with_shape;
use crate::backend::{BackendError, ExportRequest};
use crate::mcp::ReelsmithServer;
use crate::mcp::confirm::{self, Answers, Question, Reply};
use crate::mcp::estimate::{self, Job, LONG_RENDER};
use crate::publish::platform::Target;
use crate::render::RenderError;
use crate::timeline::Aspect;
use rmcp::RoleServer;
use rmcp::model::CallToolResponse;
use rmcp::service::RequestContext;
use std::path::Path;
use std::sync::atomic::Ordering;

/// Ask or go on.
pub(crate) enum Gate {
    Go,
    /// Return this: the person said no, or (2026-07-28) the question travels in the result.
    Stop(CallToolResponse),
}

impl From<Reply> for Result<bool, Gate> {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Yes { dont_ask_again } => Ok(dont_ask_again),
            Reply::No(result) => Err(Gate::Stop(result.into())),
            Reply::Pending(input) => Err(Gate::Stop(input.into())),
        }
    }
}

fn describe_file(p: &Path) -> String {
    match std::fs::metadata(p) {
        Ok(m) => format!("{} ({:.1} MB)", p.display(), m.len() as f64 / 1e6),
        Err(_) => p.display().to_string(),
    }
}

/// The frame size of `shape` at the short side of a `w`×`h` edit.
fn shaped(w: u32, h: u32, shape: Aspect) -> (u32, u32) {
    let short = w.min(h);
    let (rw, rh) = shape.ratio();
    let long =
        |s: u32| ((u64::from(s) * u64::from(rw.max(rh)) / u64::from(rw.min(rh))) as u32) & !1;
    if rw >= rh {
        (long(short), short)
    } else {
        (short, long(short))
    }
}

impl ReelsmithServer {
    /// The questions before an export, in order: replacing existing files, then a long render.
    /// `req.overwrite` becomes true when the person agrees to replace.
    pub(crate) async fn gate_export(
        &self,
        ctx: &RequestContext<RoleServer>,
        answers: &Answers,
        req: &mut ExportRequest,
        targets: Option<&[Target]>,
        overwrite_given: bool,
    ) -> Gate {
        if !confirm::can_ask(ctx) {
            return Gate::Go;
        }
        let mut renders_already = false;
        if !overwrite_given {
            match self.ask_overwrite(ctx, answers, req, targets).await {
                Ok(Some(joined)) => renders_already = joined,
                Ok(None) => {}
                Err(stop) => return stop,
            }
        }
        if renders_already || self.backend.reaches_network() {
            return Gate::Go;
        }
        match self.ask_long_render(ctx, answers, req, targets).await {
            Ok(()) => Gate::Go,
            Err(stop) => stop,
        }
    }

    /// Where `req` names files that exist, try the export without replacing them: the backend
    /// either joins the render that is writing them or hands back the finished one (then
    /// `Some(true)`: nothing new renders), or refuses because it would replace a file it did not
    /// make; only then is the person asked. `Some(false)`: they agreed to replace.
    async fn ask_overwrite(
        &self,
        ctx: &RequestContext<RoleServer>,
        answers: &Answers,
        req: &mut ExportRequest,
        targets: Option<&[Target]>,
    ) -> Result<Option<bool>, Gate> {
        let Some(base) = req.output.clone() else {
            return Ok(None);
        };
        let tries: Vec<ExportRequest> = match targets {
            None => vec![req.clone()],
            Some(ts) => ts
                .iter()
                .map(|t| ExportRequest {
                    shape: Some(t.aspect),
                    output: Some(with_shape(&base, t.aspect.as_str())),
                    ..req.clone()
                })
                .collect(),
        };
        let mut existing = Vec::new();
        let mut joined = false;
        for t in tries {
            if !t.output.as_ref().is_some_and(|p| p.exists()) {
                continue;
            }
            match self.backend.export(t).await {
                Ok(_) => joined = true,
                Err(BackendError::Render(RenderError::OutputExists(p))) => existing.push(p),
                // Anything else is the export's own business: it reports it when it runs.
                Err(_) => {}
            }
        }
        if existing.is_empty() {
            return Ok(joined.then_some(true));
        }
        let listed: Vec<String> = existing.iter().map(|p| describe_file(p)).collect();
        let (message, declined) = if let [one] = listed.as_slice() {
            (
                format!(
                    "{one} already exists. Replace it with the new export of session {}? Declining keeps the file as it is and renders nothing.",
                    req.session_id
                ),
                format!(
                    "export_video kept {one} and rendered nothing. To keep both, export to another output_path."
                ),
            )
        } else {
            (
                format!(
                    "These files already exist: {}. Replace them with the new exports of session {}? Declining keeps them as they are and renders nothing.",
                    listed.join(", "),
                    req.session_id
                ),
                format!(
                    "export_video kept {} and rendered nothing. To keep them, export to another output_path.",
                    listed.join(", ")
                ),
            )
        };
        let q = Question {
            key: "overwrite",
            message,
            offer_dont_ask: false,
        };
        Result::<bool, Gate>::from(confirm::ask(ctx, answers, q, &declined).await)?;
        req.overwrite = true;
        Ok(Some(false))
    }

    /// Ask before a local render estimated (see [`estimate`]) at over ten minutes. A render the
    /// person already agreed to on this connection is not asked about again (an agent calling
    /// export_video again to collect the file).
    async fn ask_long_render(
        &self,
        ctx: &RequestContext<RoleServer>,
        answers: &Answers,
        req: &ExportRequest,
        targets: Option<&[Target]>,
    ) -> Result<(), Gate> {
        let state = match req.revision {
            Some(rev) => self.backend.timeline_at(&req.session_id, rev).await,
            None => self.backend.timeline(&req.session_id).await,
        };
        // A session that cannot be read is the export's to report.
        let Ok(state) = state else { return Ok(()) };
        let shapes: Vec<Option<Aspect>> = match targets {
            None => vec![req.shape],
            Some(ts) => ts.iter().map(|t| Some(t.aspect)).collect(),
        };
        let key = format!(
            "{}|{}|{}|{:?}|{:?}",
            req.session_id, state.revision, req.draft, shapes, req.output
        );
        if self
            .long_renders_ok
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&key)
        {
            return Ok(());
        }
        let meta = &state.timeline.meta;
        let jobs: Vec<Job> = shapes
            .iter()
            .map(|shape| {
                let (width, height) = match shape {
                    Some(s) => shaped(meta.width, meta.height, *s),
                    None => (meta.width, meta.height),
                };
                Job {
                    width,
                    height,
                    fps: meta.fps,
                    seconds: state.timeline.duration_ms as f64 / 1000.0,
                    draft: req.draft,
                }
            })
            .collect();
        let Some(e) = estimate::render_time(&jobs).await else {
            return Ok(());
        };
        if e.seconds <= LONG_RENDER.as_secs_f64() {
            return Ok(());
        }
        let time = estimate::spoken(e.seconds);
        let q = Question {
            key: "long_render",
            message: format!(
                "Rendering this video will take {time} on this machine (estimated: {}). Start the render now? Declining starts nothing; a draft (quality \"draft\") or a lower resolution renders much faster.",
                e.how
            ),
            offer_dont_ask: false,
        };
        let declined = format!(
            "no render was started (estimated at {time} on this machine). A draft (quality \"draft\") or a lower resolution renders faster."
        );
        Result::<bool, Gate>::from(confirm::ask(ctx, answers, q, &declined).await)?;
        self.long_renders_ok
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key);
        Ok(())
    }

    /// Ask before a create_video turn on a cloud backend, which spends the account's credits
    /// (its own estimate of the price, and the balance, are in the question). Not asked again on
    /// this connection once the person ticks "don't ask again".
    pub(crate) async fn gate_cloud_credits(
        &self,
        ctx: &RequestContext<RoleServer>,
        answers: &Answers,
        editing: bool,
    ) -> Gate {
        if !self.backend.reaches_network()
            || !confirm::can_ask(ctx)
            || self.cloud_ok.load(Ordering::Relaxed)
        {
            return Gate::Go;
        }
        let what = if editing { "edit" } else { "make" };
        let balance = match self.backend.credits().await {
            Ok(c) => {
                let mut s = c.note.clone();
                if let Some(a) = c.available {
                    s.push_str(&format!(" You have {a} credits available"));
                    match c.frozen {
                        Some(f) if f > 0 => {
                            s.push_str(&format!(" ({f} held by work in progress)."))
                        }
                        _ => s.push('.'),
                    }
                }
                s
            }
            Err(e) => format!("(The balance could not be read: {e}.)"),
        };
        let q = Question {
            key: "cloud_credits",
            message: format!(
                "This asks the {} cloud to {what} the video, which spends credits from your account; the service does not say in advance how many this request will take. {balance} Go ahead?",
                self.backend.name()
            ),
            offer_dont_ask: true,
        };
        let declined = format!(
            "create_video sent nothing to the {} cloud and spent no credits.",
            self.backend.name()
        );
        match Result::<bool, Gate>::from(confirm::ask(ctx, answers, q, &declined).await) {
            Ok(dont_ask_again) => {
                if dont_ask_again {
                    self.cloud_ok.store(true, Ordering::Relaxed);
                }
                Gate::Go
            }
            Err(stop) => stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_keep_the_short_side() {
        assert_eq!(shaped(1920, 1080, Aspect::Portrait), (1080, 1920));
        assert_eq!(shaped(1920, 1080, Aspect::Square), (1080, 1080));
        assert_eq!(shaped(1080, 1920, Aspect::Vertical4x5), (1080, 1350));
        assert_eq!(shaped(1280, 720, Aspect::Landscape), (1280, 720));
    }
}
