//! `check_credits`: the cloud credit balance, or on the local backend, that none are needed.

use crate::mcp::{ReelsmithServer, failure, parse_args, structured_result};
use rmcp::handler::server::tool::{schema_for_output, schema_for_type};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::{ErrorData as McpError, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `check_credits` takes no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditsArgs {}

/// Result of `check_credits`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreditsOut {
    /// Which backend answered ("local" or "nemo").
    pub backend: String,
    /// Credits available now (cloud only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// Credits reserved by running work (cloud only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen: Option<i64>,
    /// available + frozen (cloud only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Free disk space in the workspace, in bytes (local only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_disk_bytes: Option<u64>,
    /// A sentence to pass on to the person.
    pub note: String,
}

impl ReelsmithServer {
    /// The credits answer, shared with create_video's keyword routing.
    pub(crate) async fn credits_result(&self) -> Result<CallToolResult, McpError> {
        let c = match self.backend.credits().await {
            Ok(c) => c,
            Err(e) => return failure(e),
        };
        let mut text = c.note.clone();
        if let (Some(a), Some(f), Some(t)) = (c.available, c.frozen, c.total) {
            text = format!("Credits: {a} available, {f} frozen, {t} total. {text}");
        }
        if let Some(d) = c.free_disk_bytes {
            text = format!(
                "{text} Free disk in the workspace: {:.1} GB.",
                d as f64 / 1e9
            );
        }
        let out = CreditsOut {
            backend: c.backend,
            available: c.available,
            frozen: c.frozen,
            total: c.total,
            free_disk_bytes: c.free_disk_bytes,
            note: c.note,
        };
        Ok(structured_result(text, &out))
    }
}

#[tool_router(router = credits_router, vis = "pub(crate)")]
impl ReelsmithServer {
    /// How many credits the cloud backend has left (available / frozen / total). On the local
    /// backend rendering is free: it says so and reports the workspace's free disk space.
    #[tool(
        name = "check_credits",
        input_schema = schema_for_type::<CreditsArgs>(),
        output_schema = schema_for_output::<CreditsOut>(),
        annotations(
            title = "Check credits",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn check_credits(&self, args: JsonObject) -> Result<CallToolResult, McpError> {
        let _: CreditsArgs = parse_args(args)?;
        self.credits_result().await
    }
}
