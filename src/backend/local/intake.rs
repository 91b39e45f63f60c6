//! Intake: files checked, probed (or their probes taken from the render cache) and added to a
//! session, a few at a time.

use super::LocalBackend;
use crate::backend::BackendError;
use crate::media::{self, MediaInfo, Source};
use std::collections::HashMap;
use std::sync::Arc;

/// Files probed at once during intake.
const INTAKE_CONCURRENCY: usize = 4;

impl LocalBackend {
    /// Check and add files to a session; all files are checked and every refusal is reported.
    pub(super) async fn intake_all(
        &self,
        session: &str,
        files: &[Source],
    ) -> Result<Vec<MediaInfo>, BackendError> {
        let tools = self.tools()?;
        self.check_storage(0)?;
        // Probing is mostly waiting on ffprobe/ffmpeg start-up: a few at a time, results in order.
        let limit = Arc::new(tokio::sync::Semaphore::new(INTAKE_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, f) in files.iter().enumerate() {
            let (f, tools, limit) = (f.clone(), tools.clone(), limit.clone());
            let cache = self.cache.clone();
            let downloads = self.media_dir();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let url = match &f {
                    Source::Path(p) => {
                        let r = media::intake_cached(p, &tools, memo(&cache)).await;
                        return (i, r.map_err(|e| e.to_string()));
                    }
                    Source::Url(u) => u,
                };
                // Fetched into the workspace, then checked like any local file.
                let path = match media::fetch::download(url, &downloads).await {
                    Ok(p) => p,
                    Err(e) => return (i, Err(e.to_string())),
                };
                let r = match media::intake_cached(&path, &tools, memo(&cache)).await {
                    Ok(mut m) => {
                        media::keep_fetched(&path, &downloads, media::fetch::file_name(url), &mut m)
                            .map(|()| m)
                            .map_err(|e| format!("{f}: cannot keep the download: {e}"))
                    }
                    Err(e) => Err(format!("{f}: {e}")),
                };
                if r.is_err() {
                    let _ = std::fs::remove_file(&path);
                }
                (i, r)
            });
        }
        let mut results: Vec<Option<Result<MediaInfo, String>>> = vec![None; files.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, r) =
                joined.map_err(|e| BackendError::Unavailable(format!("intake failed: {e}")))?;
            results[i] = Some(r);
        }
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        for r in results.into_iter().flatten() {
            match r {
                Ok(m) => ok.push(m),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(BackendError::Unavailable(if errors.len() == 1 {
                errors.remove(0)
            } else {
                format!(
                    "{} files were refused:\n{}",
                    errors.len(),
                    errors.join("\n")
                )
            }));
        }
        if self.limits().max_bytes.is_some() {
            let held = self.store.tenant_media(self.tenant_name())?;
            let mut new: HashMap<&str, &MediaInfo> = HashMap::new();
            for m in ok.iter().filter(|m| !held.contains_key(&m.id)) {
                new.insert(&m.id, m);
            }
            if let Err(e) = self.check_storage(new.values().map(|m| m.size_bytes).sum()) {
                // Downloads made for this request only go again.
                let dir = self.media_dir();
                for m in new.values().filter(|m| m.path.starts_with(&dir)) {
                    let _ = std::fs::remove_file(&m.path);
                }
                return Err(e);
            }
        }
        for m in &ok {
            self.store.add_media(session, m)?;
        }
        Ok(ok)
    }
}

/// The render cache as the place probes are remembered.
fn memo(cache: &Option<crate::render::cache::RenderCache>) -> Option<&dyn media::FactMemo> {
    cache.as_ref().map(|c| c as &dyn media::FactMemo)
}
