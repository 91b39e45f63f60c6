//! The attribution headers every request carries: which skill (name and version from skill.md)
//! and which install platform. The service refuses exports to traffic it cannot attribute.

use reqwest::RequestBuilder;

/// Add X-Skill-Source, X-Skill-Version and X-Skill-Platform.
pub fn attribution(rb: RequestBuilder) -> RequestBuilder {
    let skill = crate::skill::info();
    rb.header("X-Skill-Source", &skill.name)
        .header("X-Skill-Version", &skill.version)
        .header("X-Skill-Platform", crate::skill::platform())
}
