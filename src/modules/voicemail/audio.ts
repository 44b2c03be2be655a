/**
 * Telephone audio: 8 kHz 16-bit mono PCM, G.711 (PCMU/PCMA) with alawmulaw, WAV files with wavefile, and the
 * small signal tools the voicemail server needs (tones, silence detection) and its tests use (Goertzel).
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import type * as G711 from 'alawmulaw';
import type * as Wavefile from 'wavefile';

const require = createRequire(import.meta.url);
// Both packages ship CommonJS builds whose ESM entry Node cannot load directly; require() is the stable path.
const g711 = require('alawmulaw') as typeof G711;
const { WaveFile } = require('wavefile') as typeof Wavefile;

export const RATE = 8000;
const LITTLE_ENDIAN = endianness() === 'LE';
/** Samples in one 20 ms RTP frame at 8 kHz. */
export const FRAME = 160;

export type Codec = 'PCMU' | 'PCMA';

export function decodeG711(codec: Codec, payload: Uint8Array): Int16Array {
  return codec === 'PCMU' ? g711.mulaw.decode(payload) : g711.alaw.decode(payload);
}

export function encodeG711(codec: Codec, pcm: Int16Array): Uint8Array {
  return codec === 'PCMU' ? g711.mulaw.encode(pcm) : g711.alaw.encode(pcm);
}

/**
 * 8 kHz 16-bit mono PCM → a WAV file: the canonical 44-byte RIFF header and the samples as they are in memory
 * (little-endian). Written directly: wavefile's fromScratch packs sample by sample, and 200 messages ending
 * together stalled the media clock for ~250 ms (bench/voicemail.bench.ts).
 */
export function pcmToWav(pcm: Int16Array): Buffer {
  const data = pcm.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(RATE, 24);
  out.writeUInt32LE(RATE * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data, 40);
  if (LITTLE_ENDIAN) Buffer.from(pcm.buffer, pcm.byteOffset, data).copy(out, 44);
  else for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, 44 + i * 2);
  return out;
}

export class AudioFormatError extends Error {}

/**
 * A WAV file of any common PCM/G.711 format → 8 kHz 16-bit mono PCM (channels mixed down, resampled).
 * Throws AudioFormatError naming the problem for anything that is not a readable WAV.
 */
export function wavToPcm(buf: Uint8Array): Int16Array {
  let wav: InstanceType<typeof WaveFile>;
  try {
    wav = new WaveFile(buf);
  } catch (err) {
    throw new AudioFormatError(`not a WAV file (${(err as Error).message})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  if (fmt.numChannels < 1 || fmt.sampleRate < 1) throw new AudioFormatError('the WAV header has no channels or sample rate');
  try {
    if (fmt.audioFormat === 7) wav.fromMuLaw();
    else if (fmt.audioFormat === 6) wav.fromALaw();
    if (fmt.numChannels !== 1) {
      // mix down: average the channels
      const chans = wav.getSamples(false, Float64Array) as unknown as Float64Array[];
      const n = chans[0]!.length;
      const mono = new Float64Array(n);
      for (const c of chans) for (let i = 0; i < n; i++) mono[i]! += c[i]! / chans.length;
      const bits = (wav.fmt as { bitsPerSample: number }).bitsPerSample;
      const rate = (wav.fmt as { sampleRate: number }).sampleRate;
      wav = new WaveFile();
      wav.fromScratch(1, rate, bits === 8 ? '8' : bits === 24 ? '24' : bits === 32 ? '32' : '16', mono);
    }
    if ((wav.fmt as { sampleRate: number }).sampleRate !== RATE) wav.toSampleRate(RATE, { method: 'sinc' });
    if ((wav.fmt as { bitsPerSample: number }).bitsPerSample !== 16 || (wav.fmt as { audioFormat: number }).audioFormat !== 1) wav.toBitDepth('16');
  } catch (err) {
    if (err instanceof AudioFormatError) throw err;
    throw new AudioFormatError(`unsupported WAV encoding (${(err as Error).message})`);
  }
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
  return Int16Array.from(samples);
}

export function concatPcm(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function tone(freqHz: number, ms: number, amplitude = 8000): Int16Array {
  const n = Math.round((RATE * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / RATE));
  return out;
}

export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((RATE * ms) / 1000));
}

/** Root mean square level of a block of samples. */
export function rms(pcm: Int16Array, start = 0, end = pcm.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += pcm[i]! * pcm[i]!;
  return end > start ? Math.sqrt(s / (end - start)) : 0;
}

/** Relative power of `freqHz` in the block (Goertzel), normalised by the block's total power: ~0.5 for a pure tone, ~0 without it. */
export function toneRatio(pcm: Int16Array, freqHz: number, start = 0, end = pcm.length): number {
  const n = end - start;
  if (n <= 0) return 0;
  const k = Math.round((n * freqHz) / RATE);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = start; i < end; i++) {
    const x = pcm[i]!;
    energy += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy > 0 ? power / (energy * n) : 0;
}
