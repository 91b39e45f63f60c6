//! The agent skill file shipped beside the binary (`skill.md`), embedded at build time.
//!
//! Its frontmatter's `name` and `version` are what the cloud API credits requests to
//! (`X-Skill-Source`, `X-Skill-Version`), so the file is the single source of both: editing
//! skill.md changes what the adapter sends, and a test keeps the two in step.

use std::sync::LazyLock;

/// skill.md as built into this binary.
pub const SKILL_MD: &str = include_str!("../skill.md");

/// The attribution the skill file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillInfo {
    /// Frontmatter `name` (sent as X-Skill-Source).
    pub name: String,
    /// Frontmatter `version` (sent as X-Skill-Version).
    pub version: String,
}

static INFO: LazyLock<SkillInfo> = LazyLock::new(|| {
    parse_frontmatter(SKILL_MD).unwrap_or(SkillInfo {
        name: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
});

/// The embedded skill's name and version.
pub fn info() -> &'static SkillInfo {
    &INFO
}

/// The frontmatter's `description`, folded onto one line (it is written as a `>` block).
pub fn description(text: &str) -> Option<String> {
    let mut lines = text.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut inside = false;
    for line in lines {
        if line.trim() == "---" {
            break;
        }
        if inside {
            if line.starts_with([' ', '\t']) {
                parts.push(line.trim());
                continue;
            }
            break;
        }
        if let Some(rest) = line.strip_prefix("description:") {
            let rest = rest.trim();
            if rest.starts_with(['>', '|']) {
                inside = true;
            } else {
                return Some(rest.trim_matches(['"', '\'']).to_string());
            }
        }
    }
    let folded = parts.join(" ");
    (!folded.is_empty()).then_some(folded)
}

/// Read `name` and `version` from a `---`-delimited frontmatter block (top-level keys only).
pub fn parse_frontmatter(text: &str) -> Option<SkillInfo> {
    let mut lines = text.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let (mut name, mut version) = (None, None);
    for line in lines {
        if line.trim() == "---" {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']).to_string();
        match key.trim() {
            "name" => name = Some(value),
            "version" => version = Some(value),
            _ => {}
        }
    }
    Some(SkillInfo {
        name: name.filter(|n| !n.is_empty())?,
        version: version.filter(|v| !v.is_empty())?,
    })
}

/// Where this copy of reelsmith was installed from, as the cloud API's `X-Skill-Platform`:
/// "clawhub" or "cursor" when the binary or skill lives under their skill folders, else "unknown".
pub fn platform() -> &'static str {
    static PLATFORM: LazyLock<&'static str> = LazyLock::new(|| {
        let exe = std::env::current_exe()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        platform_of(&exe)
    });
    &PLATFORM
}

/// The platform an install path belongs to.
pub fn platform_of(path: &str) -> &'static str {
    if path.contains("/.clawhub/") || path.contains("/clawhub/skills/") {
        "clawhub"
    } else if path.contains("/.cursor/") {
        "cursor"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_frontmatter_names_the_skill() {
        let i = parse_frontmatter(SKILL_MD).expect("skill.md has name and version");
        assert_eq!(&i, info());
        assert!(!i.name.contains(' '), "{i:?}");
    }

    #[test]
    fn frontmatter_parsing() {
        let i = parse_frontmatter(
            "---\nname: a-b\nversion: \"1.2\"\nmetadata:\n  name: nested\n---\n# x",
        )
        .unwrap();
        assert_eq!(i.name, "a-b");
        assert_eq!(i.version, "1.2");
        assert!(parse_frontmatter("# no frontmatter").is_none());
    }

    #[test]
    fn platforms_from_install_paths() {
        assert_eq!(
            platform_of("/home/u/.clawhub/skills/x/reelsmith"),
            "clawhub"
        );
        assert_eq!(platform_of("/home/u/.cursor/skills/x/reelsmith"), "cursor");
        assert_eq!(platform_of("/usr/local/bin/reelsmith"), "unknown");
    }
}
