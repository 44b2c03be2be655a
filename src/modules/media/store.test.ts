import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaDirFor } from '../../config.ts';
import { encodeWav, isStoreFormat, parseWav } from '../voicemail/wav.ts';
import { convertMedia, MAX_MEDIA_BYTES } from './convert.ts';
import { DEBIAN_HOLD_MUSIC, ensureDefaultHoldMusic, fsMediaStore } from './store.ts';

function toneWav(seconds: number, rate = 8000): Buffer {
  const pcm = Buffer.alloc(Math.round(seconds * rate) * 2);
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  return encodeWav(pcm, rate);
}

test('the media folder: SWITCHBOARD_MEDIA_DIR, else media/ beside the SQLite file or in the data dir', () => {
  assert.equal(mediaDirFor({ SWITCHBOARD_MEDIA_DIR: '/srv/media' }, 'data', 'data/switchboard.sqlite'), '/srv/media');
  assert.equal(mediaDirFor({}, 'data', 'data/switchboard.sqlite'), 'data/media');
  assert.equal(mediaDirFor({}, 'data', '/var/lib/sb/pbx.sqlite'), '/var/lib/sb/media');
  assert.equal(mediaDirFor({}, '/var/lib/sb', 'postgres://u@db/pbx'), '/var/lib/sb/media');
});

test('ensureDefaultHoldMusic writes default.wav (8 kHz 16-bit mono) into a 0700 folder, file 0600, idempotent', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-media-'));
  try {
    const dir = join(root, 'media');
    const from = await ensureDefaultHoldMusic(dir);
    assert.equal(from, existsSync(DEBIAN_HOLD_MUSIC) ? 'debian' : 'chime');
    const wav = readFileSync(join(dir, 'default.wav'));
    const p = parseWav(wav);
    assert.ok(p.ok && isStoreFormat(p.info));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'default.wav')).mode & 0o777, 0o600);
    const mtime = statSync(join(dir, 'default.wav')).mtimeMs;
    assert.equal(await ensureDefaultHoldMusic(dir), from);
    assert.equal(statSync(join(dir, 'default.wav')).mtimeMs, mtime, 'an equal file is not rewritten');
    // without the Debian package: a generated 20 s chime, not silence
    const chimeDir = join(root, 'chime');
    assert.equal(await ensureDefaultHoldMusic(chimeDir, join(root, 'missing.wav')), 'chime');
    const chime = readFileSync(join(chimeDir, 'default.wav'));
    const c = parseWav(chime);
    assert.ok(c.ok && isStoreFormat(c.info));
    assert.equal((chime.length - 44) / 2, 20 * 8000);
    let peak = 0;
    for (let i = 44; i < chime.length; i += 2) peak = Math.max(peak, Math.abs(chime.readInt16LE(i)));
    assert.ok(peak > 1000 && peak < 8000, `gentle but audible (peak ${peak})`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the store refuses any name that is not <uuid>.wav or default.wav', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-media-'));
  try {
    const s = fsMediaStore(root);
    for (const bad of ['../x.wav', 'jazz.wav', 'default', '/etc/passwd']) await assert.rejects(s.write(bad, Buffer.from('x')), /invalid media file name/);
    assert.equal(await s.read('0b6f0c55-1c7e-4c1e-9b2a-5a4d2f1e3c00.wav'), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('conversion: WAV of any rate, MP3 and OGG through ffmpeg → 8 kHz mono; bad, empty, too big, too long refused with a reason', async (t) => {
  const cd = await convertMedia(toneWav(1.5, 44100));
  assert.ok(cd.ok);
  assert.equal(cd.durationMs, 1500);
  const p = parseWav(cd.wav);
  assert.ok(p.ok && isStoreFormat(p.info));
  assert.deepEqual(await convertMedia(Buffer.alloc(0)), { ok: false, reason: 'is empty' });
  assert.deepEqual(await convertMedia(Buffer.from('hello, not audio')), { ok: false, reason: 'is not a WAV, MP3 or OGG file' });
  assert.deepEqual(await convertMedia(Buffer.alloc(MAX_MEDIA_BYTES + 1)), { ok: false, reason: 'is larger than 10 MB' });
  // 10:01 at 8 kHz mono is 9.6 MB: within the size cap, over the duration cap
  const long = await convertMedia(toneWav(601));
  assert.deepEqual(long, { ok: false, reason: 'is too long (10:01; at most 10:00)' });
  assert.deepEqual(await convertMedia(encodeWav(Buffer.alloc(0))), { ok: false, reason: 'contains no audio' });
  if (!existsSync('/usr/bin/ffmpeg')) return t.skip('ffmpeg not installed');
  const root = mkdtempSync(join(tmpdir(), 'sb-media-'));
  try {
    const { execFileSync } = await import('node:child_process');
    writeFileSync(join(root, 'in.wav'), toneWav(2, 44100));
    execFileSync('ffmpeg', ['-loglevel', 'error', '-i', join(root, 'in.wav'), join(root, 'out.mp3')]);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-i', join(root, 'in.wav'), '-c:a', 'libvorbis', join(root, 'out.ogg')]);
    for (const f of ['out.mp3', 'out.ogg']) {
      const c = await convertMedia(readFileSync(join(root, f)));
      assert.ok(c.ok, f);
      assert.ok(Math.abs(c.durationMs - 2000) < 150, `${f}: ${c.durationMs} ms`);
    }
    const junkOgg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(200, 7)]);
    assert.deepEqual(await convertMedia(junkOgg), { ok: false, reason: 'is not a readable OGG file' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
