//! Tenants: whom a request speaks for when several parties share one HTTP server.
//!
//! `REELSMITH_HTTP_TOKENS` names a file of `TOKEN TENANT [max_renders=N] [max_mb=N]` lines; a
//! bearer token picks its tenant, and everything the tenant makes (sessions, media, jobs,
//! exports) is its own: a backend scoped to a tenant ([`crate::backend::Backend::for_tenant`])
//! answers another tenant's ids exactly as it answers ids that do not exist. Without the file
//! there is one tenant, [`DEFAULT`], which owns everything (stdio, a single
//! `REELSMITH_HTTP_TOKEN`, and every workspace written before tenants existed).
//!
//! Tokens are kept only as SHA-256 digests and compared in constant time; no message, log line
//! or result ever carries one (a bad line is named by its number and tenant).

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// The tenant that owns everything when there is no tokens file.
pub const DEFAULT: &str = "default";

/// Shortest token the tokens file accepts.
const MIN_TOKEN_CHARS: usize = 16;

/// A tenant's name: 1–64 lowercase ASCII letters, digits, `-` or `_`, starting with a letter or
/// digit (it names folders, so nothing else).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    /// A checked tenant name; Err says what is allowed.
    pub fn new(name: &str) -> Result<TenantId, String> {
        let ok_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        let first_ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if (1..=64).contains(&name.len()) && first_ok && name.chars().all(ok_char) {
            Ok(TenantId(name.to_string()))
        } else {
            Err(format!(
                "'{}' is not a valid tenant name: use 1–64 lowercase letters, digits, '-' or '_', starting with a letter or digit",
                name.escape_default()
            ))
        }
    }

    /// The tenant that owns everything in single-tenant mode.
    pub fn default_tenant() -> TenantId {
        TenantId(DEFAULT.to_string())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a tenant may use at once. `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Renders running at the same time.
    pub max_renders: Option<usize>,
    /// Bytes of media plus exports.
    pub max_bytes: Option<u64>,
}

impl Limits {
    /// The defaults every tenant gets unless its line says otherwise:
    /// `REELSMITH_TENANT_MAX_RENDERS` and `REELSMITH_TENANT_MAX_MB` (unset: no limit).
    pub fn from_env() -> Result<Limits, String> {
        let var = |name: &str| -> Result<Option<u64>, String> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => {
                    parse_limit(v.trim()).map_err(|e| format!("{name}: {e}"))
                }
                _ => Ok(None),
            }
        };
        Ok(Limits {
            max_renders: var("REELSMITH_TENANT_MAX_RENDERS")?.map(|n| n as usize),
            max_bytes: var("REELSMITH_TENANT_MAX_MB")?.map(|mb| mb.saturating_mul(1_000_000)),
        })
    }
}

/// The refusal when a tenant is at its storage limit: `adding` bytes more (an upload), or,
/// with `adding` 0, anything at all (an export). One wording for every mode.
pub fn storage_refusal(tenant: &str, used: u64, max: u64, adding: u64) -> String {
    let mb = |b: u64| b as f64 / 1e6;
    if adding > 0 {
        format!(
            "storage limit reached: tenant {tenant} has {:.1} MB of media and exports and may keep {:.1} MB; these files add {:.1} MB. Nothing was added. Ask the server's operator to raise max_mb",
            mb(used),
            mb(max),
            mb(adding)
        )
    } else {
        format!(
            "storage limit reached: tenant {tenant} has {:.1} MB of media and exports and may keep {:.1} MB, so nothing new can be rendered. Ask the server's operator to raise max_mb",
            mb(used),
            mb(max)
        )
    }
}

/// The refusal when `running` of a tenant's renders run and `max` at once is its limit.
pub fn renders_refusal(tenant: &str, running: usize, max: usize) -> String {
    format!(
        "{running} of your renders are running, and {max} at once is the limit for tenant {tenant}; nothing was started. Wait for one to finish (call export_video again with its session_id to collect it) or cancel one, then export again"
    )
}

/// A limit's value: a positive whole number, or `none` for no limit.
fn parse_limit(v: &str) -> Result<Option<u64>, String> {
    if v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match v.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(format!(
            "'{}' is not a limit: give a whole number above 0, or none",
            v.escape_default()
        )),
    }
}

/// A tenant as a backend sees it: its id and its limits as they are now (a reload of the
/// tokens file changes them for running sessions too).
#[derive(Clone)]
pub struct Tenant {
    id: TenantId,
    limits: Arc<dyn Fn() -> Limits + Send + Sync>,
}

impl Tenant {
    /// A tenant with fixed limits.
    pub fn new(id: TenantId, limits: Limits) -> Tenant {
        Tenant {
            id,
            limits: Arc::new(move || limits),
        }
    }

    /// A tenant whose limits are looked up on every use.
    pub fn with_live_limits(
        id: TenantId,
        limits: impl Fn() -> Limits + Send + Sync + 'static,
    ) -> Tenant {
        Tenant {
            id,
            limits: Arc::new(limits),
        }
    }

    /// Its id.
    pub fn id(&self) -> &TenantId {
        &self.id
    }

    /// Its limits now.
    pub fn limits(&self) -> Limits {
        (self.limits)()
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("id", &self.id)
            .field("limits", &self.limits())
            .finish()
    }
}

/// SHA-256 of a token: what the table keeps and compares.
fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// The tokens and the tenants they speak for.
pub struct TokenTable {
    /// (digest of the token, its tenant, the line it came from).
    entries: Vec<([u8; 32], TenantId, usize)>,
    limits: HashMap<TenantId, Limits>,
    defaults: Limits,
}

impl fmt::Debug for TokenTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the digests: a digest of a short token is as good as the token.
        f.debug_struct("TokenTable")
            .field("tokens", &self.entries.len())
            .field("tenants", &self.tenants())
            .finish()
    }
}

impl TokenTable {
    /// Read a tokens file's text. Err names the line and what is wrong with it (never the
    /// token). `single` is `REELSMITH_HTTP_TOKEN`, which speaks for [`DEFAULT`] when set too.
    pub fn parse(text: &str, defaults: Limits, single: Option<&str>) -> Result<TokenTable, String> {
        let mut entries: Vec<([u8; 32], TenantId, usize)> = Vec::new();
        // Limits given on a tenant's lines, with the line that gave them.
        let mut given: HashMap<TenantId, (Limits, usize)> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let fields: Vec<&str> = raw
                .split_whitespace()
                .take_while(|f| !f.starts_with('#'))
                .collect();
            if fields.is_empty() {
                continue;
            }
            let [token, tenant, options @ ..] = fields.as_slice() else {
                return Err(format!(
                    "line {n}: expected `TOKEN TENANT [max_renders=N] [max_mb=N]`, found one field"
                ));
            };
            let tenant = TenantId::new(tenant).map_err(|e| format!("line {n}: {e}"))?;
            if token.chars().count() < MIN_TOKEN_CHARS {
                return Err(format!(
                    "line {n} (tenant {tenant}): the token is too short ({} characters); use at least {MIN_TOKEN_CHARS} random characters, e.g. from `openssl rand -hex 24`",
                    token.chars().count()
                ));
            }
            let d = digest(token.as_bytes());
            if let Some((_, _, first)) = entries.iter().find(|(e, _, _)| *e == d) {
                return Err(format!(
                    "line {n} (tenant {tenant}): this token is already given on line {first}; every token must be different"
                ));
            }
            let mut limits = defaults;
            let mut has_options = false;
            for opt in options {
                let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
                let v = parse_limit(value).map_err(|e| format!("line {n}: {key}: {e}"))?;
                match key {
                    "max_renders" => limits.max_renders = v.map(|v| v as usize),
                    "max_mb" => limits.max_bytes = v.map(|v| v.saturating_mul(1_000_000)),
                    other => {
                        return Err(format!(
                            "line {n}: unknown option '{}'; the options are max_renders=N and max_mb=N",
                            other.escape_default()
                        ));
                    }
                }
                has_options = true;
            }
            if has_options {
                if let Some((before, at)) = given.get(&tenant)
                    && *before != limits
                {
                    return Err(format!(
                        "line {n}: tenant {tenant}'s limits differ from those on line {at}; give them once, or the same on every line"
                    ));
                }
                given.insert(tenant.clone(), (limits, n));
            }
            entries.push((d, tenant, n));
        }
        if let Some(single) = single {
            let d = digest(single.as_bytes());
            if let Some((_, _, line)) = entries.iter().find(|(e, _, _)| *e == d) {
                return Err(format!(
                    "REELSMITH_HTTP_TOKEN is also given on line {line} of the tokens file; use each token once"
                ));
            }
            entries.push((d, TenantId::default_tenant(), 0));
        }
        if entries.is_empty() {
            return Err(
                "it holds no `TOKEN TENANT` line, so every request would be refused".into(),
            );
        }
        Ok(TokenTable {
            entries,
            limits: given.into_iter().map(|(t, (l, _))| (t, l)).collect(),
            defaults,
        })
    }

    /// The tenant a presented token speaks for. Every entry is compared, in constant time, so
    /// neither which entry matched nor how much of a token was right shows in the timing.
    pub fn lookup(&self, given: &str) -> Option<TenantId> {
        let d = digest(given.as_bytes());
        let mut found = None;
        for (e, tenant, _) in &self.entries {
            let diff = e.iter().zip(&d).fold(0u8, |acc, (x, y)| acc | (x ^ y));
            if diff == 0 {
                found = Some(tenant.clone());
            }
        }
        found
    }

    /// A tenant's limits (the defaults for tenants whose lines set none).
    pub fn limits(&self, tenant: &TenantId) -> Limits {
        self.limits.get(tenant).copied().unwrap_or(self.defaults)
    }

    /// Every tenant named, sorted, once each.
    pub fn tenants(&self) -> Vec<TenantId> {
        let mut t: Vec<TenantId> = self.entries.iter().map(|(_, t, _)| t.clone()).collect();
        t.sort();
        t.dedup();
        t
    }

    /// How many tokens.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none (never true of a parsed table).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The tokens file and the table read from it, swapped whole on reload.
pub struct Tenants {
    path: PathBuf,
    defaults: Limits,
    single: Option<String>,
    table: RwLock<Arc<TokenTable>>,
}

impl fmt::Debug for Tenants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenants")
            .field("path", &self.path)
            .field("table", &*self.current())
            .finish()
    }
}

/// Read and check the tokens file at `path`; warnings (a file others can read) are logged.
fn load(path: &Path, defaults: Limits, single: Option<&str>) -> Result<TokenTable, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the tokens file {}: {e}", path.display()))?;
    if let Some(w) = readable_by_all(path) {
        tracing::warn!("{w}");
    }
    TokenTable::parse(&text, defaults, single)
        .map_err(|e| format!("the tokens file {}: {e}", path.display()))
}

/// A warning when every user on the machine can read the file.
pub fn readable_by_all(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o004 != 0).then(|| {
        format!(
            "the tokens file {} can be read by every user on this machine (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

impl Tenants {
    /// Load the tokens file; `single` (`REELSMITH_HTTP_TOKEN`) also speaks for [`DEFAULT`].
    pub fn open(path: &Path, single: Option<String>) -> Result<Tenants, String> {
        let defaults = Limits::from_env()?;
        let table = load(path, defaults, single.as_deref())?;
        Ok(Tenants {
            path: path.to_path_buf(),
            defaults,
            single,
            table: RwLock::new(Arc::new(table)),
        })
    }

    /// A fixed table (tests).
    pub fn from_table(table: TokenTable) -> Tenants {
        Tenants {
            path: PathBuf::new(),
            defaults: table.defaults,
            single: None,
            table: RwLock::new(Arc::new(table)),
        }
    }

    /// Read the file again. A bad file leaves the table as it was and says why.
    pub fn reload(&self) -> Result<Arc<TokenTable>, String> {
        let table = Arc::new(load(&self.path, self.defaults, self.single.as_deref())?);
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = table.clone();
        Ok(table)
    }

    /// The table in force.
    pub fn current(&self) -> Arc<TokenTable> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `id` as a backend sees it, its limits following reloads.
    pub fn tenant(self: &Arc<Self>, id: TenantId) -> Tenant {
        let me = self.clone();
        let key = id.clone();
        Tenant::with_live_limits(id, move || me.current().limits(&key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "tokenAAAAAAAAAAAAAAAA";
    const B: &str = "tokenBBBBBBBBBBBBBBBB";

    #[test]
    fn tokens_map_to_tenants() {
        let t = TokenTable::parse(
            &format!("# comment\n\n{A} acme max_renders=2 # trailing\n{B} beta max_mb=5\n"),
            Limits::default(),
            None,
        )
        .unwrap();
        assert_eq!(t.lookup(A).unwrap().as_str(), "acme");
        assert_eq!(t.lookup(B).unwrap().as_str(), "beta");
        assert!(t.lookup("tokenAAAAAAAAAAAAAAAB").is_none());
        assert!(t.lookup("").is_none());
        assert_eq!(
            t.limits(&TenantId::new("acme").unwrap()).max_renders,
            Some(2)
        );
        assert_eq!(
            t.limits(&TenantId::new("beta").unwrap()).max_bytes,
            Some(5_000_000)
        );
        let shown = format!("{t:?}");
        assert!(!shown.contains(A) && !shown.contains(B), "{shown}");
    }

    #[test]
    fn bad_lines_are_named_without_the_token() {
        let err = |text: &str| TokenTable::parse(text, Limits::default(), None).unwrap_err();
        let e = err(&format!("{A} acme\n{A} beta\n"));
        assert!(e.contains("line 2") && e.contains("line 1"), "{e}");
        assert!(!e.contains(A), "{e}");
        let e = err(&format!("{A} Acme Corp\n"));
        assert!(e.contains("line 1") && e.contains("'Acme'"), "{e}");
        let e = err("short acme\n");
        assert!(e.contains("too short") && !e.contains("short acme"), "{e}");
        let e = err(&format!("{A}\n"));
        assert!(e.contains("line 1"), "{e}");
        let e = err(&format!("{A} acme max_mb=lots\n"));
        assert!(e.contains("max_mb"), "{e}");
        let e = err(&format!("{A} acme max_mb=1\n{B} acme max_mb=2\n"));
        assert!(e.contains("line 2") && e.contains("line 1"), "{e}");
        assert!(err("# nothing\n").contains("no `TOKEN TENANT`"));
        let e = TokenTable::parse(&format!("{A} acme\n"), Limits::default(), Some(A)).unwrap_err();
        assert!(e.contains("REELSMITH_HTTP_TOKEN") && !e.contains(A), "{e}");
    }

    #[test]
    fn tenant_names() {
        for ok in ["a", "acme", "team-1", "x_y", "0"] {
            assert!(TenantId::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Acme", "-a", "_a", "a/b", "..", "a.b", &"a".repeat(65)] {
            assert!(TenantId::new(bad).is_err(), "{bad}");
        }
    }
}
