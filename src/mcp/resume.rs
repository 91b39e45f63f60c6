//! rmcp's in-memory HTTP session manager with stream resumption corrected.
//!
//! rmcp 3.11's `LocalSessionManager` answers a reconnect carrying `Last-Event-ID: N` by replaying
//! from event N itself, so the client receives the last event it already had a second time (a
//! repeated progress value, or a second copy of a result). The SSE rule is to replay what came
//! *after* N; upstream has the fix in review (modelcontextprotocol/rust-sdk#1165). Until it lands,
//! this wrapper asks rmcp for the events from N+1; everything else is passed through.

use futures_util::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::common::server_side_http::{ServerSseMessage, SessionId};
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};

/// [`LocalSessionManager`] whose `resume` replays only the events after `Last-Event-ID`.
#[derive(Default)]
pub(crate) struct ResumeAfter(LocalSessionManager);

/// The id of the event after `id`: rmcp's ids are `<index>` or `<index>/<request>`. An id that
/// does not parse is passed on unchanged for rmcp to refuse.
fn next_event_id(id: &str) -> String {
    let (index, rest) = match id.split_once('/') {
        Some((i, r)) => (i, Some(r)),
        None => (id, None),
    };
    match (
        index.parse::<usize>().ok().and_then(|i| i.checked_add(1)),
        rest,
    ) {
        (Some(next), Some(r)) => format!("{next}/{r}"),
        (Some(next), None) => next.to_string(),
        (None, _) => id.to_string(),
    }
}

impl SessionManager for ResumeAfter {
    type Error = LocalSessionManagerError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.0.create_session().await
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.0.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.0.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.0.close_session(id).await
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.create_stream(id, message).await
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.0.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.resume(id, next_event_id(&last_event_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::next_event_id;

    #[test]
    fn the_next_id_keeps_the_request_part() {
        assert_eq!(next_event_id("2/7"), "3/7");
        assert_eq!(next_event_id("0"), "1");
        assert_eq!(next_event_id("x/1"), "x/1");
        let max = format!("{}/1", usize::MAX);
        assert_eq!(next_event_id(&max), max, "no overflow");
    }
}
