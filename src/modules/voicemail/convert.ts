import { spawn } from 'node:child_process';
import { formatDuration } from './rules.ts';
import { encodeWav, looksLikeMp3, looksLikeOgg, looksLikeWav, parseWav, STORE_RATE, wavToStoreFormat } from './wav.ts';

/** Greetings: at most this long after conversion, and this big as uploaded. */
export const MAX_GREETING_MS = 5 * 60 * 1000;
export const MAX_GREETING_BYTES = 5 * 1024 * 1024;

export type Converted = { ok: true; wav: Buffer; durationMs: number } | { ok: false; reason: string };

/** Formats ffmpeg decodes (besides WAV, which is converted in-process). */
export type FfmpegFormat = 'mp3' | 'ogg';

/** What one kind of upload (greeting, hold music track) accepts. */
export interface UploadLimits {
  /** Largest upload, in bytes. */
  maxBytes: number;
  /** Longest audio after conversion, in ms. */
  maxMs: number;
  /** Formats handed to ffmpeg besides WAV. */
  formats: readonly FfmpegFormat[];
  /** The reason for anything else, e.g. 'is not a WAV or MP3 file'. */
  notAccepted: string;
  /** ffmpeg is killed after this long. */
  ffmpegTimeoutMs: number;
}

const GREETING_LIMITS: UploadLimits = {
  maxBytes: MAX_GREETING_BYTES,
  maxMs: MAX_GREETING_MS,
  formats: ['mp3'],
  notAccepted: 'is not a WAV or MP3 file',
  ffmpegTimeoutMs: 30_000,
};

/**
 * An uploaded greeting → the stored format (WAV, PCM 16-bit mono 8 kHz). WAV of any rate, bit depth and
 * channel count is converted in-process (wav.ts); MP3 is decoded by ffmpeg (Debian package `ffmpeg`), with the
 * input format forced so ffmpeg never probes anything else. The reason is for a person ('is not a WAV or MP3 file').
 */
export function convertGreeting(buf: Buffer, ffmpeg = 'ffmpeg'): Promise<Converted> {
  return convertUpload(buf, GREETING_LIMITS, ffmpeg);
}

/**
 * An uploaded audio file → the stored format (WAV, PCM 16-bit mono 8 kHz) within `limits`. WAV is converted
 * in-process (wav.ts); the `limits.formats` are decoded by ffmpeg with the input format forced.
 */
export async function convertUpload(buf: Buffer, limits: UploadLimits, ffmpeg = 'ffmpeg'): Promise<Converted> {
  if (buf.length === 0) return { ok: false, reason: 'is empty' };
  if (buf.length > limits.maxBytes) return { ok: false, reason: `is larger than ${limits.maxBytes / 1024 / 1024} MB` };
  let wav: Buffer;
  const format = ffmpegFormat(buf, limits.formats);
  if (looksLikeWav(buf)) {
    const p = parseWav(buf);
    if (!p.ok) return p;
    wav = wavToStoreFormat(buf, p.info);
  } else if (format) {
    const pcm = await decodeWithFfmpeg(buf, format, limits, ffmpeg);
    if (!pcm.ok) return pcm;
    wav = encodeWav(pcm.pcm);
  } else {
    return { ok: false, reason: limits.notAccepted };
  }
  const samples = (wav.length - 44) / 2;
  const durationMs = Math.round((samples * 1000) / STORE_RATE);
  if (samples === 0) return { ok: false, reason: 'contains no audio' };
  if (durationMs > limits.maxMs) return { ok: false, reason: `is too long (${formatDuration(durationMs)}; at most ${formatDuration(limits.maxMs)})` };
  return { ok: true, wav, durationMs };
}

function ffmpegFormat(buf: Buffer, formats: readonly FfmpegFormat[]): FfmpegFormat | null {
  if (formats.includes('ogg') && looksLikeOgg(buf)) return 'ogg';
  if (formats.includes('mp3') && looksLikeMp3(buf)) return 'mp3';
  return null;
}

async function decodeWithFfmpeg(buf: Buffer, format: FfmpegFormat, limits: UploadLimits, ffmpeg: string): Promise<{ ok: true; pcm: Buffer } | { ok: false; reason: string }> {
  const label = format === 'mp3' ? 'an MP3' : 'an OGG';
  const missing = `is ${label}, which this server cannot convert (ffmpeg is not installed); send a WAV file`;
  // Stop decoding a little past the limit: a too-long file is refused without decoding all of it.
  const limitSeconds = String(limits.maxMs / 1000 + 1);
  const args = ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'pipe', '-f', format, '-i', 'pipe:0', '-t', limitSeconds, '-ac', '1', '-ar', String(STORE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch {
      resolve({ ok: false, reason: missing });
      return;
    }
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), limits.ffmpegTimeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', () => {});
    child.stdin.on('error', () => {}); // ffmpeg may stop reading early (limit reached, bad input)
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ ok: false, reason: missing });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const pcm = Buffer.concat(out);
      if (code !== 0 || pcm.length === 0) resolve({ ok: false, reason: `is not a readable ${format === 'mp3' ? 'MP3' : 'OGG'} file` });
      else resolve({ ok: true, pcm: pcm.subarray(0, pcm.length - (pcm.length % 2)) });
    });
    child.stdin.end(buf);
  });
}
