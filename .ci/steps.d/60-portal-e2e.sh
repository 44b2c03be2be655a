#!/usr/bin/env bash
# Portal end-to-end tests in Debian's Chromium (apt package `chromium`, see .ci/apt-packages).
# scripts/e2e.sh builds the portal, starts the server on a free port against a fresh SQLite file, runs
# `npx playwright test` and stops the server by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run typecheck:web
bash scripts/e2e.sh
