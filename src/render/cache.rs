//! The render cache: finished pieces of earlier renders (encoded video segments, mixed
//! soundtracks), stored by a key that hashes everything that decides their bytes, so a
//! re-export after an edit renders only what the edit touched.
//!
//! Safe without locks: an entry is written under a temporary name and renamed into place, its
//! sidecar (size and SHA-256) last, so a kill at any moment leaves either no entry or a whole
//! one; a reader hard-links the entry into its own scratch folder and checks the link against
//! the sidecar before use, so eviction by another process and a corrupted file are both
//! harmless (the piece is rendered again). Least recently used entries go first when the cache
//! outgrows its cap.

mod shared;

use sha2::{Digest, Sha256};
pub use shared::SharedTier;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Default size cap, in MB (`REELSMITH_CACHE_MB` overrides; 0 turns the cache off).
pub const DEFAULT_CAP_MB: u64 = 2048;

/// A cache folder with its size cap.
#[derive(Debug, Clone)]
pub struct RenderCache {
    dir: PathBuf,
    cap_bytes: u64,
    /// Mixed into every key, so one tenant's renders never hit (and never time) another's.
    scope: Option<String>,
    /// Where entries this machine lacks may be found, and what it makes is offered.
    shared: Option<Arc<dyn SharedTier>>,
}

/// What the cache holds, for `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Whole entries.
    pub entries: usize,
    /// Their size in bytes.
    pub bytes: u64,
    /// The cap in bytes.
    pub cap_bytes: u64,
}

/// The recorded facts of an entry, checked on every use.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Sidecar {
    ext: String,
    size: u64,
    sha256: String,
}

/// Builds a cache key from the parts that decide an entry's bytes.
#[derive(Clone, Default)]
pub struct KeyBuilder(Sha256);

impl KeyBuilder {
    /// A key for `kind` (e.g. "segment", "soundtrack"), renderer version included.
    pub fn new(kind: &str) -> Self {
        let mut k = KeyBuilder(Sha256::new());
        k.part(kind);
        k.part(env!("CARGO_PKG_VERSION"));
        k.part(RENDER_VERSION);
        k
    }

    /// Add one part (length-prefixed, so parts never run into each other).
    pub fn part(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Add raw bytes (length-prefixed).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }

    /// Add a file's identity: its bytes for small files (drawn text, animation frames); for
    /// media, the content id its name carries (`med_<hash>.<ext>`, as the media store keeps
    /// them), so the same picture keys the same wherever it was copied to — another job's
    /// scratch folder, another machine. Other large files go by path, size and modification
    /// time (hashing a 500 MB clip on every export would cost more than it saves).
    pub fn file(&mut self, path: &Path) -> std::io::Result<&mut Self> {
        let meta = std::fs::metadata(path)?;
        if meta.len() <= SMALL_FILE {
            let bytes = std::fs::read(path)?;
            self.part("bytes");
            self.bytes(&bytes);
        } else if let Some(id) = content_id(path) {
            self.part("media");
            self.part(id);
            self.part(&meta.len().to_string());
        } else {
            self.part("file");
            self.part(&path.to_string_lossy());
            self.part(&meta.len().to_string());
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            self.part(&mtime.to_string());
        }
        Ok(self)
    }

    /// The finished key (hex).
    pub fn finish(self) -> String {
        hex(&self.0.finalize()[..16])
    }
}

/// The content id in a media file's name (`med_` and 16 hex digits of its SHA-256).
fn content_id(path: &Path) -> Option<&str> {
    let stem = path.file_stem()?.to_str()?;
    let hex = stem.strip_prefix("med_")?;
    (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

impl crate::media::FactMemo for RenderCache {
    fn recall(&self, key: &str) -> Option<serde_json::Value> {
        self.fetch_fact(&fact_key(key))
    }

    fn keep(&self, key: &str, fact: &serde_json::Value) -> std::io::Result<()> {
        self.store_fact(&fact_key(key), fact)
    }
}

/// The entry name of a fact handed in by name.
fn fact_key(key: &str) -> String {
    let mut k = KeyBuilder::new("fact");
    k.part(key);
    k.finish()
}

/// The extension of facts' entries.
const FACT_EXT: &str = "fact";

/// Files up to this size are keyed by their bytes.
const SMALL_FILE: u64 = 4 << 20;

/// Bumped whenever the renderer's output for the same input changes, so old entries are never
/// used by a renderer that would draw them differently.
pub const RENDER_VERSION: &str = "segments-1";

impl RenderCache {
    /// The cache at `dir`, capped at `cap_mb` MB; `None` when the cap is 0 (cache off).
    /// Temporary files left by killed processes are removed.
    pub fn open(dir: &Path, cap_mb: u64) -> std::io::Result<Option<RenderCache>> {
        if cap_mb == 0 {
            return Ok(None);
        }
        std::fs::create_dir_all(dir)?;
        let cache = RenderCache {
            dir: dir.to_path_buf(),
            cap_bytes: cap_mb.saturating_mul(1 << 20),
            scope: None,
            shared: None,
        };
        cache.remove_stale_temporaries();
        Ok(Some(cache))
    }

    /// The cap from `REELSMITH_CACHE_MB` (default [`DEFAULT_CAP_MB`]).
    pub fn cap_mb_from_env() -> u64 {
        std::env::var("REELSMITH_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_CAP_MB)
    }

    /// Where the cache lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The same folder and cap, with keys of their own: entries stored through it are found
    /// only through a cache of the same scope (one per tenant).
    pub fn scoped(&self, scope: &str) -> RenderCache {
        RenderCache {
            scope: Some(scope.to_string()),
            ..self.clone()
        }
    }

    /// `key` within this cache's scope.
    fn scoped_key<'k>(&self, key: &'k str) -> std::borrow::Cow<'k, str> {
        match &self.scope {
            None => key.into(),
            Some(s) => {
                let mut k = KeyBuilder::new("scope");
                k.part(s).part(key);
                k.finish().into()
            }
        }
    }

    /// Link the entry for `key` into `into` (as `name`) when it is whole and unchanged; a
    /// damaged entry is removed and `None` returned, so the caller renders it again.
    pub fn fetch(&self, key: &str, into: &Path, name: &str) -> Option<PathBuf> {
        let key = &*self.scoped_key(key);
        let side: Sidecar = serde_json::from_slice(&std::fs::read(self.sidecar(key)).ok()?)
            .ok()
            .filter(|s: &Sidecar| valid_ext(&s.ext))?;
        let entry = self.entry(key, &side.ext);
        let target = into.join(format!("{name}.{}", side.ext));
        let _ = std::fs::remove_file(&target);
        if std::fs::hard_link(&entry, &target).is_err() && std::fs::copy(&entry, &target).is_err() {
            return None;
        }
        let whole = std::fs::metadata(&target).is_ok_and(|m| m.len() == side.size)
            && crate::media::sha256_file(&target).is_ok_and(|h| h == side.sha256);
        if !whole {
            tracing::warn!(key, "render cache entry is damaged; rendering it again");
            let _ = std::fs::remove_file(&target);
            self.remove(key, &side.ext);
            return None;
        }
        // Touch for LRU; a failure only makes eviction less accurate.
        if let Ok(f) = std::fs::File::options().append(true).open(&entry) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(target)
    }

    /// Store a finished file under `key` (the file itself is left where it is) and evict the
    /// least recently used entries beyond the cap.
    pub fn store(&self, key: &str, file: &Path) -> std::io::Result<()> {
        let ext = file
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .filter(|e| valid_ext(e))
            .ok_or_else(|| std::io::Error::other("cache entries need a plain file extension"))?;
        let side = Sidecar {
            ext,
            size: std::fs::metadata(file)?.len(),
            sha256: crate::media::sha256_file(file)?,
        };
        self.place(key, side, |tmp| {
            if std::fs::hard_link(file, tmp).is_err() {
                std::fs::copy(file, tmp)?;
            }
            Ok(())
        })
    }

    /// A small fact stored by [`store_fact`](Self::store_fact) (a probe result, a check's
    /// outcome), when its entry is whole; a damaged one is removed and `None` returned.
    pub fn fetch_fact<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let key = &*self.scoped_key(key);
        let side: Sidecar = serde_json::from_slice(&std::fs::read(self.sidecar(key)).ok()?).ok()?;
        if side.ext != FACT_EXT {
            return None;
        }
        let entry = self.entry(key, FACT_EXT);
        let bytes = std::fs::read(&entry).ok()?;
        let value = (bytes.len() as u64 == side.size
            && hex(&Sha256::digest(&bytes)) == side.sha256)
            .then(|| serde_json::from_slice(&bytes).ok())
            .flatten();
        if value.is_none() {
            tracing::warn!(key, "render cache fact is damaged; measuring again");
            self.remove(key, FACT_EXT);
            return None;
        }
        if let Ok(f) = std::fs::File::options().append(true).open(&entry) {
            let _ = f.set_modified(SystemTime::now());
        }
        value
    }

    /// Keep `value` under `key`, so later processes need not measure it again (probes and
    /// checks of the same bytes give the same answer). Same guarantees as [`store`](Self::store).
    pub fn store_fact<T: serde::Serialize>(&self, key: &str, value: &T) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(value)?;
        let side = Sidecar {
            ext: FACT_EXT.into(),
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(&bytes)),
        };
        self.place(key, side, |tmp| std::fs::write(tmp, &bytes))
    }

    /// Write an entry through `write` to a temporary, rename it into place, then its sidecar.
    fn place(
        &self,
        key: &str,
        side: Sidecar,
        write: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let key = &*self.scoped_key(key);
        let (tmp, tmp_side) = (self.temporary(key, &side.ext), self.temporary(key, "json"));
        let placed = (|| {
            write(&tmp)?;
            std::fs::rename(&tmp, self.entry(key, &side.ext))?;
            std::fs::write(&tmp_side, serde_json::to_vec(&side)?)?;
            std::fs::rename(&tmp_side, self.sidecar(key))
        })();
        if placed.is_err() {
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(&tmp_side);
        }
        placed?;
        self.evict();
        Ok(())
    }

    /// Entries and their size.
    pub fn stats(&self) -> CacheStats {
        let entries = self.entries();
        CacheStats {
            entries: entries.len(),
            bytes: entries.iter().map(|e| e.size).sum(),
            cap_bytes: self.cap_bytes,
        }
    }

    /// Remove least recently used entries until the cache fits its cap.
    fn evict(&self) {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.size).sum();
        if total <= self.cap_bytes {
            return;
        }
        entries.sort_by_key(|e| e.used);
        for e in entries {
            if total <= self.cap_bytes {
                break;
            }
            self.remove(&e.key, &e.ext);
            total = total.saturating_sub(e.size);
        }
    }

    fn entries(&self) -> Vec<Entry> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|d| {
                let name = d.file_name().to_string_lossy().into_owned();
                let key = name.strip_suffix(".json")?.to_string();
                if key.starts_with('.') {
                    return None;
                }
                let side: Sidecar = serde_json::from_slice(&std::fs::read(d.path()).ok()?).ok()?;
                let meta = std::fs::metadata(self.entry(&key, &side.ext)).ok()?;
                Some(Entry {
                    used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    size: meta.len(),
                    ext: side.ext,
                    key,
                })
            })
            .collect()
    }

    /// Whether the folder has an entry for `key` (not checked whole: [`fetch`](Self::fetch)
    /// does that when it is taken).
    pub fn has(&self, key: &str) -> bool {
        self.sidecar(&self.scoped_key(key)).exists()
    }

    fn remove(&self, key: &str, ext: &str) {
        // Sidecar first: an entry without one is never used.
        let _ = std::fs::remove_file(self.sidecar(key));
        let _ = std::fs::remove_file(self.entry(key, ext));
    }

    fn entry(&self, key: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{key}.{ext}"))
    }

    fn sidecar(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// A fresh temporary name (renders of one process may store the same key at once).
    fn temporary(&self, key: &str, ext: &str) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.dir
            .join(format!(".tmp-{}-{n}-{key}.{ext}", std::process::id()))
    }

    /// Temporaries whose writer no longer runs, and entries without a sidecar (a kill between
    /// the two renames), are removed.
    fn remove_stale_temporaries(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for d in dir.flatten() {
            let name = d.file_name().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_prefix(".tmp-") {
                let pid = rest.split('-').next().and_then(|p| p.parse::<i32>().ok());
                if pid.is_some_and(|p| !super::process_alive(p)) {
                    let _ = std::fs::remove_file(d.path());
                }
            } else if let Some((key, ext)) = name.rsplit_once('.')
                && ext != "json"
                && !self.sidecar(key).exists()
                && d.metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 60)
            {
                let _ = std::fs::remove_file(d.path());
            }
        }
    }
}

struct Entry {
    key: String,
    ext: String,
    size: u64,
    used: SystemTime,
}

fn valid_ext(e: &str) -> bool {
    !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(cap_mb: u64) -> (tempfile::TempDir, RenderCache) {
        let d = tempfile::tempdir().unwrap();
        let c = RenderCache::open(&d.path().join("cache"), cap_mb)
            .unwrap()
            .unwrap();
        (d, c)
    }

    fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn stores_and_fetches_whole_entries() {
        let (d, c) = cache(10);
        let f = file(d.path(), "seg.mp4", b"encoded video");
        c.store("k1", &f).unwrap();
        let got = c.fetch("k1", d.path(), "use").unwrap();
        assert_eq!(std::fs::read(&got).unwrap(), b"encoded video");
        assert!(c.fetch("k2", d.path(), "other").is_none());
        assert_eq!(c.stats().entries, 1);
    }

    #[test]
    fn damaged_entries_are_dropped_not_used() {
        let (d, c) = cache(10);
        let f = file(d.path(), "seg.mp4", b"encoded video");
        c.store("k1", &f).unwrap();
        // Same length, other bytes: only the hash can tell.
        std::fs::write(c.dir().join("k1.mp4"), b"ENCODED VIDEO").unwrap();
        assert!(c.fetch("k1", d.path(), "use").is_none());
        assert!(!c.dir().join("k1.mp4").exists());
        // Half-written: an entry without its sidecar is not an entry.
        std::fs::write(c.dir().join("k2.mp4"), b"partial").unwrap();
        assert!(c.fetch("k2", d.path(), "use").is_none());
        assert_eq!(c.stats().entries, 0);
    }

    #[test]
    fn evicts_least_recently_used_beyond_the_cap() {
        let (d, c) = cache(1);
        let big = vec![7u8; 400 << 10];
        for k in ["a", "b", "c"] {
            let f = file(d.path(), &format!("{k}.mp4"), &big);
            c.store(k, &f).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
            if k == "b" {
                // "a" used after "b" was stored: "b" is now the oldest.
                assert!(c.fetch("a", d.path(), "touch").is_some());
            }
        }
        assert!(c.fetch("b", d.path(), "x").is_none());
        assert!(c.fetch("a", d.path(), "y").is_some());
        assert!(c.fetch("c", d.path(), "z").is_some());
        assert!(c.stats().bytes <= 1 << 20);
    }

    #[test]
    fn a_killed_writers_temporaries_are_removed_on_open() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("cache");
        std::fs::create_dir_all(&dir).unwrap();
        // pid 0x7fffffff never runs.
        let stale = dir.join(".tmp-2147483646-k.mp4");
        std::fs::write(&stale, b"half").unwrap();
        let mine = dir.join(format!(".tmp-{}-k.mp4", std::process::id()));
        std::fs::write(&mine, b"in progress").unwrap();
        RenderCache::open(&dir, 10).unwrap().unwrap();
        assert!(!stale.exists());
        assert!(mine.exists());
        assert!(RenderCache::open(&dir, 0).unwrap().is_none());
    }

    #[test]
    fn media_key_by_the_content_id_in_their_name_wherever_they_are() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let big = vec![7u8; (SMALL_FILE + 1) as usize];
        let key = |p: &Path| {
            let mut k = KeyBuilder::new("t");
            k.file(p).unwrap();
            k.finish()
        };
        let id = "med_0123456789abcdef.jpg";
        let (pa, pb) = (file(a.path(), id, &big), file(b.path(), id, &big));
        assert_eq!(key(&pa), key(&pb), "the same media in two folders");
        let other = file(b.path(), "med_fedcba9876543210.jpg", &big);
        assert_ne!(key(&pa), key(&other));
        // Any other large file goes by where it is.
        let (qa, qb) = (
            file(a.path(), "clip.mp4", &big),
            file(b.path(), "clip.mp4", &big),
        );
        assert_ne!(key(&qa), key(&qb));
    }

    #[test]
    fn keys_change_with_every_part() {
        let k = |parts: &[&str]| {
            let mut b = KeyBuilder::new("segment");
            for p in parts {
                b.part(p);
            }
            b.finish()
        };
        assert_eq!(k(&["a", "b"]), k(&["a", "b"]));
        assert_ne!(k(&["a", "b"]), k(&["ab"]));
        assert_ne!(k(&["a", "b"]), k(&["a", "c"]));
    }

    #[test]
    fn facts_round_trip_and_damaged_ones_are_dropped() {
        let (_d, c) = cache(10);
        c.store_fact("f1", &vec![3u32, 4]).unwrap();
        assert_eq!(c.fetch_fact::<Vec<u32>>("f1"), Some(vec![3, 4]));
        assert_eq!(c.fetch_fact::<Vec<u32>>("f2"), None);
        std::fs::write(c.dir().join("f1.fact"), b"[3,5]").unwrap();
        assert_eq!(c.fetch_fact::<Vec<u32>>("f1"), None);
        assert!(!c.dir().join("f1.fact").exists());
        // Scoped facts are the scope's own.
        c.scoped("t1").store_fact("f3", &1u8).unwrap();
        assert_eq!(c.fetch_fact::<u8>("f3"), None);
        assert_eq!(c.scoped("t1").fetch_fact::<u8>("f3"), Some(1));
    }
}
