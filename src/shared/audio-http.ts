/** Sending stored WAV audio over HTTP (voicemail recordings and greetings, media library tracks). */
import type { FastifyReply } from 'fastify';

/**
 * A single HTTP byte range ("bytes=0-1", "bytes=100-", "bytes=-500") over a body of `size` bytes: the
 * inclusive [start, end], 'unsatisfiable', or null to send the whole body (no header, several ranges, junk).
 * Safari's <audio> asks for ranges and will not play without 206 answers.
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * A WAV body with its file name (`inline` to play in place, `attachment` to download), never cached or sniffed,
 * honouring a single Range: 206 with the slice, 416 when the range is unsatisfiable, else the whole body.
 */
export function sendWav(reply: FastifyReply, range: string | undefined, wav: Buffer, filename: string, disposition: 'inline' | 'attachment') {
  reply
    .header('content-type', 'audio/wav')
    .header('content-disposition', `${disposition}; filename="${filename}"`)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .header('accept-ranges', 'bytes');
  const r = byteRange(range, wav.length);
  if (r === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${wav.length}`).send();
  if (r) return reply.code(206).header('content-range', `bytes ${r.start}-${r.end}/${wav.length}`).send(wav.subarray(r.start, r.end + 1));
  return reply.send(wav);
}
