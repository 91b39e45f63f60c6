//! The integration tests, one binary (one link step): black-box tests of the `reelsmith` binary
//! over the CLI, MCP (stdio and HTTP), real clients and a fake NemoVideo.

mod support;

mod audio_and_text;
mod bad_input;
mod bad_input_corpus;
mod beat_sync;
mod beats;
mod captions;
mod cluster;
mod cluster_ops;
mod cluster_sessions;
mod cluster_shared;
mod cluster_team;
mod disk_space;
mod doctor;
mod draft_export;
mod edit_local;
mod edits_mcp;
mod elicit;
mod formats;
mod http_resume;
mod make_cli;
mod manifest;
mod mcp_tools;
mod narration;
mod narration_supplied;
mod nemo_backend;
mod player;
mod preview_local;
mod prompt_corpus;
mod render_cache;
mod skills_mcp;
mod soak_http;
mod tasks_mcp;
mod tenants;
mod text_animation;
mod text_shaping;
mod transitions;
mod url_upload;
mod voice;
