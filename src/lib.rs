//! reelsmith: turn images, clips, music and a script into a ready-to-post MP4, from an agent
//! (MCP tools) or a person (CLI).
//!
//! Data flows one way: [`media`] admits files, the [`director`] turns intent into a
//! [`timeline::Timeline`], the [`render`]er turns a timeline into an MP4 with ffmpeg, and a
//! [`backend::Backend`] ties them to sessions in the workspace [`store`]. The CLI and the MCP
//! server only ever talk to a `Backend`. [`beats`] finds a supplied music track's tempo and beats
//! so cuts can land on them. [`tenant`] says whose a request is when several parties share one
//! HTTP server.

pub mod backend;
pub mod beats;
pub mod cluster;
pub mod director;
pub mod edit;
pub mod ffmpeg;
pub mod http;
pub mod key_lock;
pub mod mcp;
pub mod media;
pub mod output;
pub mod publish;
pub mod render;
pub mod skill;
pub mod store;
pub mod tenant;
pub mod timeline;
pub mod voice;
pub mod workspace;
