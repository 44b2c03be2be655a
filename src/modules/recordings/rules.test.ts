import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, DEFAULT_SECURITY, mergeDeep } from '../users/rules.ts';
import type { Features, Security } from '../users/schema.ts';
import { decideRoute, encodeRecordingMeta, makeConfig, recordingOf } from '../routing/rules.ts';
import type { Platform, RouteRequest, RoutingUser } from '../routing/schema.ts';
import { encodeG711, tone, toneRatio } from '../voicemail/audio.ts';
import { channel, decodeCall, parsePcap, parseSpoolMetadata, readStereoWav, stereoWav } from './decode.ts';
import { decodeRecordingMeta, downloadName, parseRecordingFilter, recordingCutoff } from './rules.ts';

const ACC = '11111111-1111-4111-8111-111111111111';
const platform: Platform = { trunk: 'gw.test:5090', voicemail: 'vm.test:5095' };

function user(ext: string, record = false): RoutingUser {
  return {
    id: `00000000-0000-4000-8000-000000000${ext}`,
    extension: ext,
    displayName: `User ${ext}`,
    sipUsername: `u${ext}`,
    enabled: true,
    officeId: 'syd',
    ringTime: 20,
    pickupGroup: null,
    outboundNumber: null,
    hideCallerId: false,
    vmEnabled: true,
    features: mergeDeep<Features>(DEFAULT_FEATURES, {}),
    security: mergeDeep<Security>(DEFAULT_SECURITY, { recordCalls: record, enabledCalls: { national: true } }),
  };
}
const cfg = makeConfig({
  accountId: ACC,
  code: 'acme',
  realm: 'acme.pbx.test',
  country: 'AU',
  offices: [{ id: 'syd', country: 'AU', areaCode: '02', defaultOutboundNumber: '+61291234500' }],
  users: [user('101', true), user('102'), user('103')],
  numbers: [['+61291234501', user('101').id], ['+61291234502', user('102').id]],
});
const rec = (req: RouteRequest) => {
  const s = recordingOf(cfg, req, decideRoute(cfg, platform, req));
  return s === undefined ? undefined : decodeRecordingMeta(s);
};

test('recordingOf: calls to or from a user with recordCalls carry metadata; others, voicemail and features none', () => {
  assert.deepEqual(rec({ source: 'internal', from: 'u101', to: '102' }), { v: 1, a: ACC, d: 'internal', cu: user('101').id, eu: user('102').id, cn: '101', en: '102' });
  assert.deepEqual(rec({ source: 'internal', from: 'u102', to: '101' }), { v: 1, a: ACC, d: 'internal', cu: user('102').id, eu: user('101').id, cn: '102', en: '101' });
  assert.equal(rec({ source: 'internal', from: 'u102', to: '103' }), undefined);
  assert.deepEqual(rec({ source: 'internal', from: 'u101', to: '0298765432' }), { v: 1, a: ACC, d: 'outbound', cu: user('101').id, cn: '101', en: '0298765432' });
  assert.equal(rec({ source: 'internal', from: 'u102', to: '0298765432' }), undefined);
  assert.deepEqual(rec({ source: 'trunk', from: '+61355551234', to: '+61291234501' }), { v: 1, a: ACC, d: 'inbound', eu: user('101').id, cn: '+61355551234', en: '+61291234501' });
  assert.equal(rec({ source: 'trunk', from: '+61355551234', to: '+61291234502' }), undefined);
  assert.equal(rec({ source: 'internal', from: 'u101', to: '777' }), undefined, 'voicemail access');
});

test('decodeRecordingMeta refuses anything that is not well-formed Switchboard metadata', () => {
  const good = { v: 1 as const, a: ACC, d: 'internal' as const, cn: '101', en: '102' };
  assert.deepEqual(decodeRecordingMeta(encodeRecordingMeta(good)), good);
  for (const bad of [null, '', 'not base64!', Buffer.from('{').toString('base64url'), encodeRecordingMeta({ ...good, a: 'x' }), encodeRecordingMeta({ ...good, d: 'sideways' as 'internal' }), encodeRecordingMeta({ ...good, cn: '<script>' }), encodeRecordingMeta({ ...good, cu: '../etc' })]) {
    assert.equal(decodeRecordingMeta(bad), null, String(bad));
  }
});

test('filters: dates, a whole day for to=YYYY-MM-DD, bounds, each bad field named', () => {
  assert.deepEqual(parseRecordingFilter({ from: '2026-11-20', to: '2026-11-20' }).filter, { limit: 50, offset: 0, from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' });
  assert.deepEqual(parseRecordingFilter({ direction: 'x', limit: '501', offset: '-1', from: '2026-13-45' }).errors.map((e) => e.field), ['from', 'direction', 'limit', 'offset']);
  assert.equal(recordingCutoff(new Date('2026-12-01T00:00:00Z'), 90), '2026-09-02T00:00:00.000Z');
  assert.equal(downloadName({ startedAt: '2026-11-20T10:00:00.000Z', caller: '+61 2/..', callee: '' }), 'recording-2026-11-20T10-00-00-+612-unknown.wav');
});

/** A pcap (raw IP) of RTP packets as rtpengine writes it. */
function pcap(packets: Array<{ t: number; src: number; dst: number; rtp: Buffer }>): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(101, 20);
  const parts = [head];
  for (const p of packets) {
    const ip = Buffer.alloc(28 + p.rtp.length);
    ip[0] = 0x45;
    ip.writeUInt16BE(ip.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    ip.writeUInt16BE(p.src, 20);
    ip.writeUInt16BE(p.dst, 22);
    ip.writeUInt16BE(8 + p.rtp.length, 24);
    p.rtp.copy(ip, 28);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.t), 0);
    rec.writeUInt32LE(Math.round((p.t % 1) * 1e6), 4);
    rec.writeUInt32LE(ip.length, 8);
    rec.writeUInt32LE(ip.length, 12);
    parts.push(rec, ip);
  }
  return Buffer.concat(parts);
}

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  Buffer.from(payload).copy(b, 12);
  return b;
}

test('decode: each side by the port it arrived at, placed by RTP timestamp; PCMU and PCMA; other payloads skipped', () => {
  const meta = parseSpoolMetadata(
    ['/spool/pcaps/c1-abc.pcap', '', '', 'Timestamp started ms: 1796219523069.671', 'SDP mode: offer', 'SDP before RTP packet: 1', '', 'v=0', 'm=audio 41000 RTP/AVP 0', '', 'SDP mode: answer', 'm=audio 41012 RTP/AVP 0', '', 'call start time: x', 'call end time: y', '', '', 'eyJ2IjoxfQ'].join('\n'),
  );
  assert.deepEqual(meta, { pcapPath: '/spool/pcaps/c1-abc.pcap', calleePort: 41000, callerPort: 41012, startedMs: 1796219523070, finished: true, metadata: 'eyJ2IjoxfQ' });
  const a = tone(1000, 1000);
  const b = tone(1400, 1000);
  const pkts = [];
  for (let i = 0; i < 50; i++) {
    const t = 1_000_000 + i * 0.02;
    pkts.push({ t, src: 5000, dst: 41012, rtp: rtp(0, i, 8000 + i * 160, 1, encodeG711('PCMU', a.subarray(i * 160, i * 160 + 160))) });
    // the callee starts 200 ms later, in PCMA, and sends a DTMF event packet that must be ignored
    if (i >= 10) pkts.push({ t: t + 0.001, src: 5002, dst: 41000, rtp: rtp(8, i, 999 + (i - 10) * 160, 2, encodeG711('PCMA', b.subarray(i * 160, i * 160 + 160))) });
    if (i === 20) pkts.push({ t, src: 5002, dst: 41000, rtp: rtp(101, 99, 0, 2, Buffer.alloc(4)) });
  }
  // a packet to some other port (not the call's) is ignored
  pkts.push({ t: 1_000_000.5, src: 1, dst: 9, rtp: rtp(0, 1, 0, 3, Buffer.alloc(160, 0)) });
  const call = decodeCall(parsePcap(pcap(pkts)), meta)!;
  assert.ok(call.frames >= 8000 && call.frames <= 8010, String(call.frames)); // the callee's side anchored 1 ms later
  assert.deepEqual(call.packets, { caller: 50, callee: 40 });
  const wav = stereoWav(call.stereo);
  const st = readStereoWav(wav);
  const left = channel(st, 0);
  const right = channel(st, 1);
  assert.ok(toneRatio(left, 1000) > 0.4);
  assert.ok(toneRatio(right, 1400, 1600, 8000) > 0.4);
  assert.ok(Math.abs(right[800]!) < 1 && Math.abs(right[1500]!) < 1, 'silence before the callee started');
  assert.equal(decodeCall([], meta), null);
});
