//! One at a time per key, across the process: renders and exports running at once make a shared
//! piece (a soundtrack, a picture's subject look) once, and the others wait and reuse it. Used by
//! both `media` and `render`, so it sits below them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Hold this while making the piece `key` names, so renders running at once make it once (the
/// later ones find it in the cache when they get the guard).
pub async fn one_at_a_time(key: &str) -> tokio::sync::OwnedMutexGuard<()> {
    static MAKING: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let lock = {
        let mut map = MAKING
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Forget locks nobody holds or waits for.
        map.retain(|_, l| Arc::strong_count(l) > 1);
        map.entry(key.to_string()).or_default().clone()
    };
    lock.lock_owned().await
}
