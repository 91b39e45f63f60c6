#!/bin/sh
# Claude Code: register reelsmith for all your projects. Claude Code starts `reelsmith serve`
# itself (stdio). Needs the `reelsmith` binary on PATH: `cargo install --path .` in a checkout.
claude mcp add --scope user reelsmith -- reelsmith serve

# Cloud backend instead of local rendering. Keep the server name before the -e options:
# `claude mcp add -e K=V NAME …` reads NAME as a second -e value and fails.
#   claude mcp add --scope user reelsmith -e REELSMITH_BACKEND=nemo -e NEMO_TOKEN=nmv_usr_… -- reelsmith serve
#
# A server you already run over streamable HTTP (see http.md):
#   claude mcp add --transport http --scope user reelsmith http://127.0.0.1:8787/mcp --header "Authorization: Bearer $REELSMITH_HTTP_TOKEN"
