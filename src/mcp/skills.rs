//! The agent guide over MCP (skills extension, SEP-2640): `skills/list`, `skills/get` and
//! `resources/read` serve the same skill.md the repository ships — the one copy built into the
//! binary — so a host that supports skills teaches its agent the workflow with no install step.

use crate::skill::{SKILL_MD, description, info};
use rmcp::ErrorData as McpError;
use rmcp::model::{
    GetSkillResult, ListResourcesResult, ListSkillsResult, ReadResourceResult, Resource,
    ResourceContents, Skill, SkillFrontmatter, SkillResource, SkillResources,
};

const MARKDOWN: &str = "text/markdown";

/// Where the guide is served: `skill://<name>/SKILL.md`.
pub fn uri() -> String {
    format!("skill://{}/SKILL.md", info().name)
}

/// The one skill this server serves.
pub fn skill() -> Skill {
    let frontmatter = SkillFrontmatter::new(
        info().name.clone(),
        description(SKILL_MD).unwrap_or_else(|| "Make and edit videos with reelsmith".into()),
    )
    .with_field("version", info().version.clone());
    Skill::new(
        uri(),
        frontmatter,
        SkillResources::Files(vec![SkillResource::from_bytes(uri(), SKILL_MD.as_bytes())]),
    )
}

/// `skills/list`.
pub fn list() -> ListSkillsResult {
    ListSkillsResult::with_all_items(vec![skill()])
}

/// `skills/get`: the skill at `uri`, or invalid params naming what is served.
pub fn get(uri_asked: &str) -> Result<GetSkillResult, McpError> {
    if uri_asked == uri() {
        Ok(GetSkillResult::new(skill()))
    } else {
        Err(McpError::invalid_params(
            format!("no skill at {uri_asked}; this server serves {}", uri()),
            None,
        ))
    }
}

/// `resources/list`: the guide's SKILL.md.
pub fn resources() -> ListResourcesResult {
    ListResourcesResult::with_all_items(vec![
        Resource::new(uri(), "SKILL.md")
            .with_description("How to make and edit videos with reelsmith's tools")
            .with_mime_type(MARKDOWN)
            .with_size(SKILL_MD.len() as u64),
    ])
}

/// `resources/read`: the guide's text, or None for another URI.
pub fn read(uri_asked: &str) -> Option<ReadResourceResult> {
    (uri_asked == uri()).then(|| {
        ReadResourceResult::new(vec![
            ResourceContents::text(SKILL_MD, uri()).with_mime_type(MARKDOWN),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_skill_is_skill_md_and_valid() {
        let s = skill();
        s.validate().unwrap();
        assert_eq!(s.uri, "skill://ai-video-creation/SKILL.md");
        assert!(
            s.frontmatter
                .description
                .starts_with("Make finished, ready-to-post MP4")
        );
        assert!(!s.frontmatter.description.contains('\n'));
        let r = read(&uri()).unwrap();
        match &r.contents[0] {
            ResourceContents::TextResourceContents {
                text, mime_type, ..
            } => {
                assert_eq!(text, SKILL_MD);
                assert_eq!(mime_type.as_deref(), Some(MARKDOWN));
            }
            other => panic!("{other:?}"),
        }
        assert!(read("skill://other/SKILL.md").is_none());
        assert!(get("skill://other/SKILL.md").is_err());
    }
}
