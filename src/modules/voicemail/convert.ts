import { spawn } from 'node:child_process';
import { formatDuration } from './rules.ts';
import { encodeWav, looksLikeMp3, looksLikeWav, parseWav, STORE_RATE, wavToStoreFormat } from './wav.ts';

/** Greetings: at most this long after conversion, and this big as uploaded. */
export const MAX_GREETING_MS = 5 * 60 * 1000;
export const MAX_GREETING_BYTES = 5 * 1024 * 1024;

export type Converted = { ok: true; wav: Buffer; durationMs: number } | { ok: false; reason: string };

/**
 * An uploaded greeting → the stored format (WAV, PCM 16-bit mono 8 kHz). WAV of any rate, bit depth and
 * channel count is converted in-process (wav.ts); MP3 is decoded by ffmpeg (Debian package `ffmpeg`), with the
 * input format forced so ffmpeg never probes anything else. The reason is for a person ('is not a WAV or MP3 file').
 */
export async function convertGreeting(buf: Buffer, ffmpeg = 'ffmpeg'): Promise<Converted> {
  if (buf.length === 0) return { ok: false, reason: 'is empty' };
  if (buf.length > MAX_GREETING_BYTES) return { ok: false, reason: `is larger than ${MAX_GREETING_BYTES / 1024 / 1024} MB` };
  let wav: Buffer;
  if (looksLikeWav(buf)) {
    const p = parseWav(buf);
    if (!p.ok) return p;
    wav = wavToStoreFormat(buf, p.info);
  } else if (looksLikeMp3(buf)) {
    const pcm = await decodeWithFfmpeg(buf, 'mp3', ffmpeg);
    if (!pcm.ok) return pcm;
    wav = encodeWav(pcm.pcm);
  } else {
    return { ok: false, reason: 'is not a WAV or MP3 file' };
  }
  const samples = (wav.length - 44) / 2;
  const durationMs = Math.round((samples * 1000) / STORE_RATE);
  if (samples === 0) return { ok: false, reason: 'contains no audio' };
  if (durationMs > MAX_GREETING_MS) return { ok: false, reason: `is too long (${formatDuration(durationMs)}; at most 5:00)` };
  return { ok: true, wav, durationMs };
}

async function decodeWithFfmpeg(buf: Buffer, format: 'mp3', ffmpeg: string): Promise<{ ok: true; pcm: Buffer } | { ok: false; reason: string }> {
  // Stop decoding a little past the limit: a too-long file is refused without decoding all of it.
  const limitSeconds = String(MAX_GREETING_MS / 1000 + 1);
  const args = ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'pipe', '-f', format, '-i', 'pipe:0', '-t', limitSeconds, '-ac', '1', '-ar', String(STORE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch {
      resolve({ ok: false, reason: 'is an MP3, which this server cannot convert (ffmpeg is not installed); send a WAV file' });
      return;
    }
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 2000) err += c.toString();
    });
    child.stdin.on('error', () => {}); // ffmpeg may stop reading early (limit reached, bad input)
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ ok: false, reason: 'is an MP3, which this server cannot convert (ffmpeg is not installed); send a WAV file' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const pcm = Buffer.concat(out);
      if (code !== 0 || pcm.length === 0) resolve({ ok: false, reason: 'is not a readable MP3 file' });
      else resolve({ ok: true, pcm: pcm.subarray(0, pcm.length - (pcm.length % 2)) });
    });
    child.stdin.end(buf);
  });
}
