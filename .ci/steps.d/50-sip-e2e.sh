#!/usr/bin/env bash
# SIP end-to-end suite: real Kamailio (Debian packages from .ci/apt-packages) on 127.0.0.1:5070 with the
# project's deploy/kamailio/kamailio.cfg, real SIP traffic on loopback, SQLite and PostgreSQL stores.
# Under CI=true a missing Kamailio fails the suite instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/../.."
test -x /usr/sbin/kamailio || { echo "kamailio missing: add it to .ci/apt-packages" >&2; exit 1; }
node scripts/run-tests.mjs test/sip-e2e/kamailio.e2e.ts test/sip-e2e/voicemail.e2e.ts test/sip-e2e/nat.e2e.ts test/sip-e2e/media.e2e.ts test/sip-e2e/presence.e2e.ts --test-concurrency=1
