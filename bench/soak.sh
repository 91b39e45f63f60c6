#!/usr/bin/env bash
# The HTTP soak at length: SOAK_ROUNDS rounds (default 20) of 8 concurrent clients each
# uploading, making, editing and exporting a short video, then a 200-call burst during a render.
# Loopback only. Prints requests, errors and the server's RSS after the first round, at peak and
# at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_ROUNDS=${SOAK_ROUNDS:-20} cargo test --release --test it soak_http -- --nocapture 2>&1 | grep -E "^soak:|test result"
