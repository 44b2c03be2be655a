#!/usr/bin/env bash
# Portal end-to-end suite: builds the portal, starts the server on a free loopback port against a fresh
# SQLite file (with the large e2e account seeded first), runs @playwright/test on Debian's Chromium, and
# stops the server by its PID. Extra arguments go to `playwright test` (e.g. a spec file or --project).
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "Chromium not found at $CHROMIUM_PATH: apt-get install chromium (the suite never downloads a browser)" >&2
  exit 1
fi
export CHROMIUM_PATH PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

echo "--- building the portal (web/dist)"
node node_modules/vite/bin/vite.js build web --logLevel warn

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-e2e.XXXXXX")
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
key="sb_e2e_$(node -e "console.log(require('crypto').randomBytes(18).toString('hex'))")"
e2e_password='Corr3ct-Horse-Battery!'
server_pid=""
smtp_pid=""
stop() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$server_pid"
  stop "$smtp_pid"
  rm -rf "$work"
}
trap cleanup EXIT

echo "--- seeding the large account into $work/switchboard.sqlite"
node --import tsx e2e/seed-large.ts "$work/switchboard.sqlite" "$e2e_password"

echo "--- starting an SMTP sink (credentials and password-reset emails)"
node --import tsx e2e/smtp-sink.ts "$work/smtp-port" "$work/mail.jsonl" >"$work/smtp.log" 2>&1 &
smtp_pid=$!
for _ in $(seq 1 100); do [ -s "$work/smtp-port" ] && break; sleep 0.1; done
[ -s "$work/smtp-port" ] || { cat "$work/smtp.log"; echo "SMTP sink did not start" >&2; exit 1; }

echo "--- starting the server on 127.0.0.1:$port"
PORT=$port HOST=127.0.0.1 SWITCHBOARD_DATA_DIR="$work" SWITCHBOARD_API_KEY="$key" SWITCHBOARD_DEMO=0 LOG_LEVEL=${LOG_LEVEL:-warn} \
  PORTAL_URL="http://127.0.0.1:$port" SMTP_URL="smtp://127.0.0.1:$(cat "$work/smtp-port")" MAIL_FROM="switchboard@e2e.test" \
  node bin/switchboard.js serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "server exited" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

echo "--- playwright test"
set +e
# The server's store and voicemail folder (the default: voicemail/ beside the SQLite file), for specs that
# seed what only a call can create (e2e/seed-voicemail.ts).
SWITCHBOARD_URL="http://127.0.0.1:$port" SWITCHBOARD_API_KEY="$key" E2E_PASSWORD="$e2e_password" E2E_MAIL_FILE="$work/mail.jsonl" \
  E2E_DATABASE_URL="$work/switchboard.sqlite" E2E_VOICEMAIL_DIR="$work/voicemail" E2E_RECORDINGS_DIR="$work/recordings" npx playwright test "$@"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "--- server log (last 80 lines)"
  tail -80 "$work/server.log"
fi
echo "Screenshots: test-results/screenshots/"
exit $rc
