import assert from 'node:assert/strict';
import type { TestServer } from './http.ts';
import { encodeWav } from '../../src/modules/voicemail/wav.ts';

/** A short 8 kHz mono WAV whose samples encode `seed`, so two recordings never look alike. */
export function testWav(seed: number, ms = 500): Buffer {
  const pcm = Buffer.alloc((ms / 1000) * 8000 * 2);
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(((i * 37 + seed * 101) % 2000) - 1000, i * 2);
  return encodeWav(pcm);
}

/** A CD-style upload: 44.1 kHz 16-bit stereo WAV, `seconds` of a 440 Hz tone. */
export function cdWav(seconds: number): Buffer {
  const frames = Math.round(44100 * seconds);
  const pcm = Buffer.alloc(frames * 4);
  for (let f = 0; f < frames; f++) {
    const v = Math.round(12000 * Math.sin((2 * Math.PI * 440 * f) / 44100));
    pcm.writeInt16LE(v, f * 4);
    pcm.writeInt16LE(v, f * 4 + 2);
  }
  const h = encodeWav(Buffer.alloc(0), 44100);
  h.writeUInt16LE(2, 22); // stereo
  h.writeUInt32LE(44100 * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt32LE(36 + pcm.length, 4);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

/** Account + office (Sydney) + users made through the real API; returns ids. */
export async function seedMailboxes(s: TestServer, code: string, users: Array<{ key: string; voicemail?: Record<string, unknown>; email?: string; altEmail?: string }>) {
  const a = await s.api('POST', '/api/v1/accounts', { code, name: `${code} Ltd`, sipRealm: `${code}.pbx.test`, country: 'AU' });
  assert.equal(a.status, 201, a.text);
  const o = await s.api('POST', `/api/v1/accounts/${code}/offices`, { name: 'Sydney', timezone: 'Australia/Sydney' });
  assert.equal(o.status, 201, o.text);
  const ids: Record<string, { id: string; extension: string }> = {};
  for (const u of users) {
    const r = await s.api('POST', `/api/v1/accounts/${code}/users`, {
      firstName: u.key,
      lastName: 'Test',
      email: u.email ?? `${u.key}@${code}.test`,
      ...(u.altEmail && { altEmail: u.altEmail }),
      officeId: o.body.id,
      voicemail: { pin: '2468', ...u.voicemail },
    });
    assert.equal(r.status, 201, r.text);
    ids[u.key] = { id: r.body.id, extension: r.body.extension };
  }
  return { accountId: a.body.id as string, officeId: o.body.id as string, users: ids };
}

