import { spawn } from 'node:child_process';
import { formatDuration } from '../voicemail/rules.ts';
import { encodeWav, looksLikeMp3, looksLikeWav, parseWav, STORE_RATE, wavToStoreFormat } from '../voicemail/wav.ts';

/** Hold music: at most this big as uploaded, and this long after conversion. */
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const MAX_MEDIA_MS = 10 * 60 * 1000;

export type Converted = { ok: true; wav: Buffer; durationMs: number } | { ok: false; reason: string };

export function looksLikeOgg(buf: Buffer): boolean {
  return buf.length >= 4 && buf.toString('latin1', 0, 4) === 'OggS';
}

/**
 * An uploaded track → the stored format (WAV, PCM 16-bit mono 8 kHz, what rtpengine plays to phones). WAV is
 * converted in-process (voicemail/wav.ts); MP3 and OGG (Vorbis/Opus) are decoded by ffmpeg with the input format
 * forced, so ffmpeg never probes anything else. The reason is for a person ('is not a WAV, MP3 or OGG file').
 */
export async function convertMedia(buf: Buffer, ffmpeg = 'ffmpeg'): Promise<Converted> {
  if (buf.length === 0) return { ok: false, reason: 'is empty' };
  if (buf.length > MAX_MEDIA_BYTES) return { ok: false, reason: `is larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB` };
  let wav: Buffer;
  if (looksLikeWav(buf)) {
    const p = parseWav(buf);
    if (!p.ok) return p;
    wav = wavToStoreFormat(buf, p.info);
  } else if (looksLikeMp3(buf) || looksLikeOgg(buf)) {
    const format = looksLikeOgg(buf) ? 'ogg' : 'mp3';
    const pcm = await decodeWithFfmpeg(buf, format, ffmpeg);
    if (!pcm.ok) return pcm;
    wav = encodeWav(pcm.pcm);
  } else {
    return { ok: false, reason: 'is not a WAV, MP3 or OGG file' };
  }
  const samples = (wav.length - 44) / 2;
  const durationMs = Math.round((samples * 1000) / STORE_RATE);
  if (samples === 0) return { ok: false, reason: 'contains no audio' };
  if (durationMs > MAX_MEDIA_MS) return { ok: false, reason: `is too long (${formatDuration(durationMs)}; at most ${formatDuration(MAX_MEDIA_MS)})` };
  return { ok: true, wav, durationMs };
}

async function decodeWithFfmpeg(buf: Buffer, format: 'mp3' | 'ogg', ffmpeg: string): Promise<{ ok: true; pcm: Buffer } | { ok: false; reason: string }> {
  const label = format === 'mp3' ? 'an MP3' : 'an OGG';
  const missing = `is ${label}, which this server cannot convert (ffmpeg is not installed); send a WAV file`;
  // Stop decoding a little past the limit: a too-long file is refused without decoding all of it.
  const limitSeconds = String(MAX_MEDIA_MS / 1000 + 1);
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
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
