//! Where a file named in a request comes from: a local path or a URL to fetch. Decided once,
//! where the request enters (MCP tools, the CLI), so no later step guesses again from the text
//! and a local file called `http_clip.mp4` is a file everywhere.

use super::MediaError;
use reqwest::Url;
use std::fmt;
use std::path::{Path, PathBuf};

/// A file as a request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file.
    Path(PathBuf),
    /// A URL (`scheme://…`); only http(s) are fetched, and the fetcher says so for others.
    Url(Url),
}

impl Source {
    /// Read what a person or agent wrote: `scheme://…` (a scheme of two or more letters, so
    /// nothing that merely starts with "http" or contains "://" inside a path) is a URL and must
    /// parse as one; anything else is a path.
    pub fn parse(text: &str) -> Result<Source, MediaError> {
        let Some((scheme, _)) = text.split_once("://") else {
            return Ok(Source::Path(PathBuf::from(text)));
        };
        let is_scheme = scheme.len() >= 2
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !is_scheme {
            return Ok(Source::Path(PathBuf::from(text)));
        }
        Url::parse(text)
            .map(Source::Url)
            .map_err(|e| MediaError::Download {
                url: text.to_string(),
                reason: format!("not a valid URL ({e}); give a full http(s) URL or a local path"),
            })
    }

    /// Each of `texts` parsed; every bad one is reported, one per line.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Source>, String> {
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for t in texts {
            match Source::parse(t.as_ref()) {
                Ok(s) => ok.push(s),
                Err(e) => bad.push(e.to_string()),
            }
        }
        if bad.is_empty() {
            Ok(ok)
        } else {
            Err(bad.join("\n"))
        }
    }

    /// The local path, when it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Path(p) => Some(p),
            Source::Url(_) => None,
        }
    }
}

impl From<PathBuf> for Source {
    fn from(p: PathBuf) -> Source {
        Source::Path(p)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Path(p) => write!(f, "{}", p.display()),
            Source::Url(u) => write!(f, "{u}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_and_everything_else_is_a_path() {
        let path = |s: &str| Source::Path(PathBuf::from(s));
        for p in [
            "http_clip.mp4",
            "https-promo.jpg",
            "/tmp/http://x.jpg",
            "dir/a://b.png",
            "C://x.jpg",
            "photo.jpg",
        ] {
            assert_eq!(Source::parse(p).unwrap(), path(p), "{p}");
        }
        for u in [
            "http://example.com/a.jpg",
            "https://example.com/p/My%20Photo.jpg?x=1",
            "ftp://example.com/a.jpg",
        ] {
            assert!(matches!(Source::parse(u).unwrap(), Source::Url(_)), "{u}");
        }
        let e = Source::parse("http://[bad/a.jpg").unwrap_err().to_string();
        assert!(e.contains("not a valid URL"), "{e}");
        assert!(Source::parse_all(&["a.jpg", "http://[bad"]).is_err());
    }
}
