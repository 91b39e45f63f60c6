//! What the integration tests share: fixtures and measurements ([`fixtures`]), an MCP client
//! that records progress in wire order ([`mcp_client`]) and a fake NemoVideo ([`fake_nemo`]).
#![allow(dead_code)]

pub mod chromium;
pub mod cluster;
pub mod fake_nemo;
mod fixtures;
pub mod mcp_client;
pub mod nats;
pub mod speech;

pub use fixtures::*;
