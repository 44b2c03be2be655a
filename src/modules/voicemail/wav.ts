/**
 * Pure WAV handling for the voicemail store: what is stored, mailed and served is RIFF/WAVE, PCM 16-bit mono
 * 8,000 Hz. Uploaded greetings may be any PCM/float WAV (rate, bit depth, channels); they are decoded, mixed
 * down to mono and resampled here, without external tools. (MP3 goes through ffmpeg, see convert.ts.)
 */
export const STORE_RATE = 8000;

export interface WavInfo {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Byte offset and length of the data chunk. */
  dataOffset: number;
  dataLength: number;
}

export type WavParse = { ok: true; info: WavInfo } | { ok: false; reason: string };

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

export function looksLikeWav(buf: Buffer): boolean {
  return buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WAVE';
}

export function looksLikeMp3(buf: Buffer): boolean {
  if (buf.length >= 3 && buf.toString('latin1', 0, 3) === 'ID3') return true;
  // MPEG audio frame sync: 11 set bits, layer ≠ reserved.
  return buf.length >= 2 && buf[0] === 0xff && (buf[1]! & 0xe0) === 0xe0 && (buf[1]! & 0x06) !== 0;
}

export function looksLikeOgg(buf: Buffer): boolean {
  return buf.length >= 4 && buf.toString('latin1', 0, 4) === 'OggS';
}

/** Reads the fmt and data chunks of a RIFF/WAVE file; the reason names what is wrong, for a person. */
export function parseWav(buf: Buffer): WavParse {
  if (!looksLikeWav(buf)) return { ok: false, reason: 'is not a WAV file' };
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataLength'> | null = null;
  let pos = 12;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) return { ok: false, reason: 'is a damaged WAV file (short format chunk)' };
      let format = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2);
      const sampleRate = buf.readUInt32LE(body + 4);
      const bitsPerSample = buf.readUInt16LE(body + 14);
      if (format === EXTENSIBLE && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels, sampleRate, bitsPerSample };
    } else if (id === 'data') {
      if (!fmt) return { ok: false, reason: 'is a damaged WAV file (data before format)' };
      // Streamed WAVs carry 0 or 0xFFFFFFFF as the size: take the rest of the file.
      const length = size === 0 || size === 0xffffffff || body + size > buf.length ? buf.length - body : size;
      const info: WavInfo = { ...fmt, dataOffset: body, dataLength: length };
      const why = unsupported(info);
      return why ? { ok: false, reason: why } : { ok: true, info };
    }
    pos = body + size + (size % 2);
  }
  return { ok: false, reason: fmt ? 'is a WAV file without audio data' : 'is a damaged WAV file (no format chunk)' };
}

function unsupported(i: WavInfo): string | null {
  if (i.channels < 1 || i.channels > 8) return `has ${i.channels} channels (1–8 supported)`;
  if (i.sampleRate < 4000 || i.sampleRate > 192000) return `has a sample rate of ${i.sampleRate} Hz (4,000–192,000 supported)`;
  if (i.format === PCM && [8, 16, 24, 32].includes(i.bitsPerSample)) return null;
  if (i.format === FLOAT && [32, 64].includes(i.bitsPerSample)) return null;
  return `uses an unsupported encoding (format ${i.format}, ${i.bitsPerSample}-bit); send PCM or float WAV, or MP3`;
}

/** Number of whole frames (samples per channel) in the data chunk. */
export function frameCount(i: WavInfo): number {
  return Math.floor(i.dataLength / ((i.bitsPerSample / 8) * i.channels));
}

export function durationMs(i: WavInfo): number {
  return Math.round((frameCount(i) * 1000) / i.sampleRate);
}

/** Mono samples in [-1, 1]: channels averaged. */
export function decodeMono(buf: Buffer, i: WavInfo): Float32Array {
  const n = frameCount(i);
  const bytes = i.bitsPerSample / 8;
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let sum = 0;
    for (let c = 0; c < i.channels; c++) {
      const p = i.dataOffset + (f * i.channels + c) * bytes;
      sum += sampleAt(buf, p, i);
    }
    out[f] = sum / i.channels;
  }
  return out;
}

function sampleAt(buf: Buffer, p: number, i: WavInfo): number {
  if (i.format === FLOAT) return i.bitsPerSample === 32 ? buf.readFloatLE(p) : buf.readDoubleLE(p);
  switch (i.bitsPerSample) {
    case 8:
      return (buf[p]! - 128) / 128;
    case 16:
      return buf.readInt16LE(p) / 32768;
    case 24:
      return buf.readIntLE(p, 3) / 8388608;
    default:
      return buf.readInt32LE(p) / 2147483648;
  }
}

/**
 * Resamples to `to` Hz: downsampling averages each output sample's window of input (a box low-pass, enough
 * for speech), upsampling interpolates linearly.
 */
export function resample(input: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return input;
  const ratio = from / to;
  const n = Math.floor(input.length / ratio);
  const out = new Float32Array(n);
  if (ratio > 1) {
    for (let k = 0; k < n; k++) {
      const start = Math.floor(k * ratio);
      const end = Math.min(input.length, Math.max(start + 1, Math.floor((k + 1) * ratio)));
      let s = 0;
      for (let j = start; j < end; j++) s += input[j]!;
      out[k] = s / (end - start);
    }
  } else {
    for (let k = 0; k < n; k++) {
      const t = k * ratio;
      const j = Math.floor(t);
      const a = input[j] ?? 0;
      const b = input[j + 1] ?? a;
      out[k] = a + (b - a) * (t - j);
    }
  }
  return out;
}

/** Float samples → 16-bit PCM little-endian (clipped). */
export function toPcm16(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let k = 0; k < samples.length; k++) {
    const v = Math.max(-1, Math.min(1, samples[k]!));
    out.writeInt16LE(Math.round(v < 0 ? v * 32768 : v * 32767), k * 2);
  }
  return out;
}

/** A canonical 44-byte-header WAV around 16-bit mono PCM. */
export function encodeWav(pcm16: Buffer, sampleRate = STORE_RATE): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + pcm16.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(PCM, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(pcm16.length, 40);
  return Buffer.concat([h, pcm16]);
}

/** Whether a parsed WAV is already the stored format (8 kHz, 16-bit, mono PCM). */
export function isStoreFormat(i: WavInfo): boolean {
  return i.format === PCM && i.channels === 1 && i.sampleRate === STORE_RATE && i.bitsPerSample === 16;
}

/** Any supported WAV → the stored format. */
export function wavToStoreFormat(buf: Buffer, i: WavInfo): Buffer {
  if (isStoreFormat(i)) {
    const data = buf.subarray(i.dataOffset, i.dataOffset + frameCount(i) * 2);
    return encodeWav(Buffer.from(data));
  }
  return encodeWav(toPcm16(resample(decodeMono(buf, i), i.sampleRate, STORE_RATE)));
}
