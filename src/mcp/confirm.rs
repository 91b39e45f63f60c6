//! Confirmations asked of the person through elicitation, for clients that declare it: before
//! a cloud call that spends credits, before overwriting a file, before a render estimated to take
//! longer than ten minutes on this machine.
//!
//! A question is a form with no fields to fill (the cloud one has a "don't ask again" box): the
//! person accepts, declines or dismisses it. Sessions that began with `initialize` (2025-06-18,
//! 2025-11-25) are asked with an `elicitation/create` request while the tool call waits. On
//! 2026-07-28, which forbids server-to-client requests, the call answers with an
//! `InputRequiredResult` carrying the same form, and the client calls again with the answer
//! (`inputResponses`); `requestState` carries the questions already accepted in earlier rounds
//! of the same call, so a call that asks twice does not ask the first question again. Clients
//! without elicitation are never asked: the tools keep their explicit arguments (`overwrite`) and
//! today's messages.

use rmcp::RoleServer;
use rmcp::model::{
    BooleanSchema, CallToolResult, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, InputRequest, InputRequests, InputRequiredResult,
    InputResponses, PrimitiveSchemaDefinition, ProtocolVersion,
};
use rmcp::service::RequestContext;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a person has to answer before the question counts as dismissed.
const ANSWER_WITHIN: Duration = Duration::from_secs(600);
/// The form field of the cloud question that stops it being asked again on this connection.
pub(crate) const DONT_ASK_AGAIN: &str = "dont_ask_again";
/// Prefix of our `requestState` (the rest lists the questions already accepted).
const STATE_PREFIX: &str = "reelsmith-confirmed:";

/// One question for the person.
pub(crate) struct Question {
    /// Names the question in `inputRequests` / `inputResponses` and in `requestState`.
    pub key: &'static str,
    /// What the person reads: what will happen, what it costs, what declining keeps.
    pub message: String,
    /// Offer a "don't ask again on this connection" box.
    pub offer_dont_ask: bool,
}

/// The person's answer, or the round trip still to make.
pub(crate) enum Reply {
    /// Go ahead; `dont_ask_again` when they ticked the box.
    Yes { dont_ask_again: bool },
    /// They declined or dismissed it: return this (the call changed nothing).
    No(CallToolResult),
    /// 2026-07-28: return this; the client asks the person and calls again with the answer.
    Pending(InputRequiredResult),
}

/// The answers a call brings: this round's `inputResponses` and the questions accepted in earlier
/// rounds (from `requestState`).
#[derive(Default, Clone)]
pub(crate) struct Answers {
    responses: InputResponses,
    accepted: Vec<String>,
}

impl Answers {
    /// From a tools/call's `inputResponses` and `requestState`.
    pub(crate) fn new(responses: Option<InputResponses>, state: Option<&str>) -> Answers {
        let accepted = state
            .and_then(|s| s.strip_prefix(STATE_PREFIX))
            .map(|s| {
                s.split(',')
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Answers {
            responses: responses.unwrap_or_default(),
            accepted,
        }
    }

    /// The `requestState` to send with a new question: everything accepted so far.
    fn state(&self) -> String {
        let mut keys = self.accepted.clone();
        for (k, v) in &self.responses {
            if parse(v).is_some_and(|r| r.action == ElicitationAction::Accept) && !keys.contains(k)
            {
                keys.push(k.clone());
            }
        }
        format!("{STATE_PREFIX}{}", keys.join(","))
    }
}

/// Whether the client of this request can show a form (declared `elicitation`, with `form` or,
/// as older clients do, with no mode named).
pub(crate) fn can_ask(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.client_capabilities()
        .and_then(|c| c.elicitation)
        .is_some_and(|e| e.form.is_some() || e.url.is_none())
}

/// Whether this request speaks 2026-07-28 or later (no server-to-client requests).
fn stateless(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}

fn form(q: &Question) -> ElicitRequestParams {
    let mut fields = BTreeMap::new();
    if q.offer_dont_ask {
        fields.insert(
            DONT_ASK_AGAIN.to_string(),
            PrimitiveSchemaDefinition::Boolean(
                BooleanSchema::new()
                    .title("Don't ask again while reelsmith is connected")
                    .with_default(false),
            ),
        );
    }
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: q.message.clone(),
        requested_schema: ElicitationSchema::new(fields).with_title("reelsmith"),
    }
}

fn parse(v: &serde_json::Value) -> Option<ElicitResult> {
    serde_json::from_value(v.clone()).ok()
}

/// Ask `q` (the caller has checked [`can_ask`]); `declined` says what was left as it was, for
/// the result the agent gets when the person says no.
pub(crate) async fn ask(
    ctx: &RequestContext<RoleServer>,
    answers: &Answers,
    q: Question,
    declined: &str,
) -> Reply {
    if answers.accepted.iter().any(|k| k == q.key) {
        return Reply::Yes {
            dont_ask_again: false,
        };
    }
    let answer = if stateless(ctx) {
        match answers.responses.get(q.key) {
            Some(v) => parse(v),
            None => {
                let mut requests = InputRequests::new();
                requests.insert(
                    q.key.to_string(),
                    InputRequest::Elicitation(ElicitRequest::new(form(&q))),
                );
                return Reply::Pending(InputRequiredResult::new(
                    Some(requests),
                    Some(answers.state()),
                ));
            }
        }
    } else {
        let asked = ctx
            .peer
            .create_elicitation_with_timeout(form(&q), Some(ANSWER_WITHIN));
        tokio::select! {
            r = asked => match r {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::info!(error = %e, question = q.key, "confirmation not answered");
                    None
                }
            },
            _ = ctx.ct.cancelled() => None,
        }
    };
    match answer {
        Some(r) if r.action == ElicitationAction::Accept => Reply::Yes {
            dont_ask_again: r
                .content
                .as_ref()
                .and_then(|c| c.get(DONT_ASK_AGAIN))
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
        },
        Some(r) if r.action == ElicitationAction::Decline => {
            Reply::No(crate::mcp::error_result(format!(
                "The person declined: {declined} Nothing was changed. Do not call again unless they ask for it."
            )))
        }
        _ => Reply::No(crate::mcp::error_result(format!(
            "The person dismissed the question without answering: {declined} Nothing was changed. Ask them how to go on before calling again."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_state_carries_what_was_accepted() {
        let mut responses = InputResponses::new();
        responses.insert(
            "overwrite".into(),
            serde_json::json!({"action": "accept", "content": {}}),
        );
        responses.insert(
            "cloud_credits".into(),
            serde_json::json!({"action": "decline"}),
        );
        let a = Answers::new(Some(responses), Some("reelsmith-confirmed:long_render"));
        assert_eq!(a.state(), "reelsmith-confirmed:long_render,overwrite");
        let again = Answers::new(None, Some(&a.state()));
        assert_eq!(again.accepted, ["long_render", "overwrite"]);
        // Someone else's state is not ours.
        assert!(Answers::new(None, Some("other")).accepted.is_empty());
    }

    #[test]
    fn forms_have_a_message_and_only_the_box_offered() {
        let q = Question {
            key: "overwrite",
            message: "Replace it?".into(),
            offer_dont_ask: false,
        };
        let v = serde_json::to_value(form(&q)).unwrap();
        assert_eq!(v["message"], "Replace it?");
        assert_eq!(v["requestedSchema"]["properties"], serde_json::json!({}));
        let q = Question {
            offer_dont_ask: true,
            ..q
        };
        let v = serde_json::to_value(form(&q)).unwrap();
        assert_eq!(
            v["requestedSchema"]["properties"][DONT_ASK_AGAIN]["type"],
            "boolean"
        );
    }
}
