//! The agent guide over MCP (skills extension): a real rmcp client lists the skill, gets it and
//! reads its SKILL.md, which is the repository's skill.md byte for byte.

use crate::support::mcp_client::*;
use rmcp::model::{GetSkillRequestParams, ReadResourceRequestParams, ResourceContents};

#[tokio::test(flavor = "multi_thread")]
async fn skill_md_is_served_over_mcp() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("home")).await;
    let info = s.client.peer_info().expect("server info");
    assert!(info.capabilities.supports_skills());

    let skills = s.client.list_all_skills().await.unwrap();
    assert_eq!(skills.len(), 1);
    let uri = skills[0].uri.clone();
    assert_eq!(uri, "skill://ai-video-creation/SKILL.md");
    assert_eq!(skills[0].frontmatter.name, "ai-video-creation");
    skills[0].validate().unwrap();

    let got = s
        .client
        .get_skill(GetSkillRequestParams::new(uri.clone()))
        .await
        .unwrap();
    assert_eq!(got.skill, skills[0]);

    let read = s
        .client
        .read_resource(ReadResourceRequestParams::new(uri.clone()))
        .await
        .unwrap();
    let on_disk =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/skill.md")).unwrap();
    match &read.contents[0] {
        ResourceContents::TextResourceContents { text, .. } => assert_eq!(text, &on_disk),
        other => panic!("{other:?}"),
    }
    // The manifest's digest matches what was read.
    let rmcp::model::SkillResources::Files(files) = &skills[0].resources else {
        panic!("a fixed skill lists its files")
    };
    files[0].verify(on_disk.as_bytes()).unwrap();
    s.client.cancel().await.unwrap();
}
