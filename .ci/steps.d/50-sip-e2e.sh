#!/usr/bin/env bash
# SIP end-to-end suite: real Kamailio (Debian packages from .ci/apt-packages) on 127.0.0.1:5070 with the
# project's deploy/kamailio/kamailio.cfg, real SIP traffic on loopback, SQLite and PostgreSQL stores.
# Under CI=true a missing Kamailio fails the suite instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/../.."
test -x /usr/sbin/kamailio || { echo "kamailio missing: add it to .ci/apt-packages" >&2; exit 1; }
# every test/sip-e2e/*.e2e.ts file (the shell expands the glob; run-tests.mjs gets real paths)
npm run test:sip
