import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { convertGreeting } from './convert.ts';
import { decodeMono, encodeWav, isStoreFormat, looksLikeMp3, parseWav, resample, toPcm16, wavToStoreFormat } from './wav.ts';

/** A WAV written by hand: `channels` of a 440 Hz sine at `rate`, in the given encoding. */
function sineWav(opts: { rate: number; bits: 8 | 16 | 24 | 32; channels: number; seconds: number; float?: boolean }): Buffer {
  const frames = Math.round(opts.rate * opts.seconds);
  const bytes = opts.bits / 8;
  const data = Buffer.alloc(frames * bytes * opts.channels);
  for (let f = 0; f < frames; f++) {
    const v = 0.5 * Math.sin((2 * Math.PI * 440 * f) / opts.rate);
    for (let c = 0; c < opts.channels; c++) {
      const p = (f * opts.channels + c) * bytes;
      if (opts.float) data.writeFloatLE(v, p);
      else if (opts.bits === 8) data[p] = Math.round(v * 127 + 128);
      else if (opts.bits === 16) data.writeInt16LE(Math.round(v * 32767), p);
      else if (opts.bits === 24) data.writeIntLE(Math.round(v * 8388607), p, 3);
      else data.writeInt32LE(Math.round(v * 2147483647), p);
    }
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(opts.float ? 3 : 1, 20);
  h.writeUInt16LE(opts.channels, 22);
  h.writeUInt32LE(opts.rate, 24);
  h.writeUInt32LE(opts.rate * bytes * opts.channels, 28);
  h.writeUInt16LE(bytes * opts.channels, 32);
  h.writeUInt16LE(opts.bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Dominant-frequency check without FFT: count zero crossings. */
function zeroCrossingHz(samples: Float32Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) n++;
  return n / 2 / (samples.length / rate);
}

for (const c of [
  { rate: 44100, bits: 16, channels: 2 },
  { rate: 48000, bits: 24, channels: 1 },
  { rate: 22050, bits: 8, channels: 1 },
  { rate: 16000, bits: 32, channels: 2 },
  { rate: 48000, bits: 32, channels: 2, float: true },
  { rate: 6000, bits: 16, channels: 1 },
] as const) {
  test(`WAV ${c.rate} Hz ${c.bits}-bit${'float' in c ? ' float' : ''} ×${c.channels} → 8 kHz 16-bit mono, same pitch and length`, () => {
    const src = sineWav({ ...c, seconds: 1 });
    const p = parseWav(src);
    assert.ok(p.ok, !p.ok ? p.reason : '');
    const out = wavToStoreFormat(src, p.info);
    const q = parseWav(out);
    assert.ok(q.ok && isStoreFormat(q.info));
    assert.ok(Math.abs(out.length - 44 - 16000) <= 4, `1 s at 8 kHz 16-bit = 16,000 bytes, got ${out.length - 44}`);
    const hz = zeroCrossingHz(decodeMono(out, q.info), 8000);
    assert.ok(Math.abs(hz - 440) < 5, `pitch ${hz} Hz`);
  });
}

test('parseWav names what is wrong', () => {
  assert.deepEqual(parseWav(Buffer.from('hello world, not audio')), { ok: false, reason: 'is not a WAV file' });
  const adpcm = sineWav({ rate: 8000, bits: 16, channels: 1, seconds: 0.1 });
  adpcm.writeUInt16LE(2, 20); // MS ADPCM
  const r = parseWav(adpcm);
  assert.ok(!r.ok && /unsupported encoding/.test(r.reason));
  const noData = sineWav({ rate: 8000, bits: 16, channels: 1, seconds: 0.1 }).subarray(0, 36);
  assert.deepEqual(parseWav(noData), { ok: false, reason: 'is a WAV file without audio data' });
});

test('resample up and down keeps length proportional; PCM16 clips', () => {
  const x = new Float32Array(1000).fill(0.25);
  assert.equal(resample(x, 16000, 8000).length, 500);
  assert.equal(resample(x, 4000, 8000).length, 2000);
  assert.ok(resample(x, 4000, 8000).every((v) => Math.abs(v - 0.25) < 1e-6));
  assert.deepEqual([...toPcm16(Float32Array.from([2, -2, 0])).values()], [...Buffer.from([0xff, 0x7f, 0x00, 0x80, 0, 0])]);
  assert.equal(encodeWav(Buffer.alloc(10)).length, 54);
});

test('convertGreeting: empty, not audio, too long, and a good file', async () => {
  assert.deepEqual(await convertGreeting(Buffer.alloc(0)), { ok: false, reason: 'is empty' });
  assert.deepEqual(await convertGreeting(Buffer.from('%PDF-1.4 not audio')), { ok: false, reason: 'is not a WAV or MP3 file' });
  const long = await convertGreeting(sineWav({ rate: 8000, bits: 8, channels: 1, seconds: 301 }));
  assert.ok(!long.ok && /too long \(5:01; at most 5:00\)/.test(long.reason), JSON.stringify(long));
  const ok = await convertGreeting(sineWav({ rate: 44100, bits: 16, channels: 2, seconds: 2 }));
  assert.ok(ok.ok && ok.durationMs === 2000);
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
test('convertGreeting: MP3 through ffmpeg; a damaged MP3 is refused', { skip: hasFfmpeg ? false : 'ffmpeg not installed' }, async () => {
  const mp3 = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1.5', '-ar', '22050', '-f', 'mp3', 'pipe:1']).stdout;
  assert.ok(looksLikeMp3(mp3));
  const r = await convertGreeting(mp3);
  assert.ok(r.ok, !r.ok ? r.reason : '');
  assert.ok(Math.abs(r.durationMs - 1500) < 100, `${r.durationMs} ms`);
  const q = parseWav(r.wav);
  assert.ok(q.ok && isStoreFormat(q.info));
  const bad = await convertGreeting(Buffer.concat([Buffer.from('ID3'), Buffer.alloc(200, 7)]));
  assert.deepEqual(bad, { ok: false, reason: 'is not a readable MP3 file' });
});
