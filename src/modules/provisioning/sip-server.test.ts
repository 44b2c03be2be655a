import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phoneServerOptions, srtpFromEnv } from './phone.ts';
import { sipServerFor } from './repository.ts';

test('SRTP for TLS phones: on with the media relay, off without it, SIP_SERVER_SRTP overrides', () => {
  for (const [env, installed, want] of [
    [{}, true, true],
    [{}, false, false],
    [{ SWITCHBOARD_RTPENGINE: 'off' }, true, false],
    [{ SWITCHBOARD_RTPENGINE: 'udp:10.0.0.9:22222' }, false, true],
    [{ SIP_SERVER_SRTP: 'off' }, true, false],
    [{ SIP_SERVER_SRTP: 'ON', SWITCHBOARD_RTPENGINE: 'off' }, false, true],
  ] as Array<[NodeJS.ProcessEnv, boolean, boolean]>) {
    assert.equal(srtpFromEnv(env, installed), want, JSON.stringify({ env, installed }));
  }
  assert.equal(phoneServerOptions({}).sipTlsPort, 5061);
  assert.equal(phoneServerOptions({ SWITCHBOARD_SIP_TLS_PORT: '5071' }).sipTlsPort, 5071);
  assert.equal(phoneServerOptions({ SIP_SERVER_TLS_PORT: '443', SWITCHBOARD_SIP_TLS_PORT: '5071' }).sipTlsPort, 443);
});

test("the SIP server a phone is given follows its account's transport", () => {
  const sip = { port: 5060, transport: 'udp' as const, tlsPort: 5061, srtp: true };
  assert.deepEqual(sipServerFor(sip, 'udp', 'acme.pbx.example'), { host: 'acme.pbx.example', port: 5060, transport: 'udp', srtp: false });
  assert.deepEqual(sipServerFor(sip, 'tls', 'acme.pbx.example'), { host: 'acme.pbx.example', port: 5061, transport: 'tls', srtp: true });
  assert.deepEqual(sipServerFor({ ...sip, srtp: false, host: 'sbc.example' }, 'tls', 'acme.pbx.example'), { host: 'sbc.example', port: 5061, transport: 'tls', srtp: false });
  // a deployment already on TLS for everyone (SIP_SERVER_TRANSPORT=tls): its own port, SRTP when available
  assert.deepEqual(sipServerFor({ ...sip, transport: 'tls', port: 5081 }, 'udp', 'r.example'), { host: 'r.example', port: 5081, transport: 'tls', srtp: true });
});
