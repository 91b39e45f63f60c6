#!/usr/bin/env bash
# Build the Claude Desktop extension for this machine's OS and CPU:
#   target/mcpb/reelsmith-<version>-<os>-<arch>.mcpb
# and print its SHA-256 (server.json's fileSha256 if it is published as a release asset).
# Needs Rust and Node (npx fetches the official packer, @anthropic-ai/mcpb).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
os=$(uname -s | tr '[:upper:]' '[:lower:]')
arch=$(uname -m)
stage=target/mcpb/stage
out=target/mcpb/reelsmith-$version-$os-$arch.mcpb

cargo build --release --locked
rm -rf "$stage" && mkdir -p "$stage/server"
cp manifest/manifest.json "$stage/manifest.json"
cp README.md "$stage/README.md"
cp target/release/reelsmith "$stage/server/reelsmith"
npx -y @anthropic-ai/mcpb pack "$stage" "$out"
if command -v sha256sum >/dev/null 2>&1; then sha256sum "$out"; else shasum -a 256 "$out"; fi
