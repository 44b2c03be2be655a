/**
 * rtpengine's userspace call recording (`--recording-method=pcap`) → one stereo WAV per call. Pure functions
 * over buffers (no IO): the importer (spool.ts) reads the files and stores what these return.
 *
 * rtpengine writes, per recorded call, a metadata text file (the pcap's path, each SDP it sent with its
 * "SDP mode: offer|answer", the call's start/end, and the metadata Switchboard gave it) and a pcap of every
 * RTP packet it *received* for the call, as raw IP (link type 101) or with a fake Ethernet header (1).
 * rtpengine's own ports are in the SDP it sent: the port of the first SDP it sent as the *offer* (to the
 * called party) is where the called party's audio arrives; the port of the first *answer* (to the caller) is
 * where the caller's audio arrives. The caller goes to the left channel, the called party to the right.
 */
import { decodeG711, RATE } from '../voicemail/audio.ts';

export interface SpoolMetadata {
  /** The pcap file the metadata names (first line). */
  pcapPath: string;
  /** rtpengine's port the called party sends to (first offer SDP it sent), and the caller's (first answer). */
  calleePort: number | null;
  callerPort: number | null;
  /** 'Timestamp started ms' (epoch ms), when present. */
  startedMs: number | null;
  /** The call has ended (rtpengine wrote its end time): the files are complete. */
  finished: boolean;
  /** The metadata string Switchboard gave (the last line after the times), or null. */
  metadata: string | null;
}

export function parseSpoolMetadata(text: string): SpoolMetadata {
  const lines = text.split(/\r?\n/);
  const pcapPath = (lines[0] ?? '').trim();
  let calleePort: number | null = null;
  let callerPort: number | null = null;
  let mode: string | null = null;
  let startedMs: number | null = null;
  let finished = false;
  let endLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    let m: RegExpExecArray | null;
    if ((m = /^SDP mode: (\w+)/.exec(l))) mode = m[1]!;
    else if ((m = /^m=audio (\d+) /.exec(l))) {
      const port = Number(m[1]);
      if (mode === 'offer' && calleePort === null) calleePort = port;
      if (mode === 'answer' && callerPort === null) callerPort = port;
      mode = null;
    } else if ((m = /^Timestamp started ms: ([0-9.]+)/.exec(l)) && startedMs === null) startedMs = Math.round(Number(m[1]));
    else if (/^call end time: /.test(l)) {
      finished = true;
      endLine = i;
    }
  }
  let metadata: string | null = null;
  if (endLine >= 0) {
    const rest = lines.slice(endLine + 1).map((l) => l.trim()).filter(Boolean);
    metadata = rest.length ? rest[rest.length - 1]! : null;
  }
  return { pcapPath, calleePort, callerPort, startedMs, finished, metadata };
}

export interface CapturedPacket {
  /** capture time, epoch microseconds */
  timeUs: number;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

/** The UDP packets of a pcap (classic format, either byte order, link type raw IP 101/228 or Ethernet 1). */
export function parsePcap(buf: Buffer): CapturedPacket[] {
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) le = true;
  else if (magic === 0xd4c3b2a1) le = false;
  else if (magic === 0xa1b23c4d) [le, nano] = [true, true];
  else if (magic === 0x4d3cb2a1) [le, nano] = [false, true];
  else throw new Error('not a pcap file');
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20);
  const out: CapturedPacket[] = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const start = o + 16;
    o = start + incl;
    if (o > buf.length) break;
    let ip = start;
    if (link === 1) {
      if (incl < 14 || buf.readUInt16BE(start + 12) !== 0x0800) continue;
      ip = start + 14;
    } else if (link !== 101 && link !== 228 && link !== 12) continue;
    if (ip + 20 > o || buf[ip]! >> 4 !== 4) continue; // IPv4 only (IPv6: not on this platform yet)
    const ihl = (buf[ip]! & 0x0f) * 4;
    if (buf[ip + 9] !== 17 || ip + ihl + 8 > o) continue;
    const udp = ip + ihl;
    const udpLen = buf.readUInt16BE(udp + 4);
    const end = Math.min(o, udp + Math.max(8, udpLen));
    out.push({ timeUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac), srcPort: buf.readUInt16BE(udp), dstPort: buf.readUInt16BE(udp + 2), payload: buf.subarray(udp + 8, end) });
  }
  return out;
}

/** Longest recording kept (a runaway call must not allocate without bound): 4 hours. */
export const MAX_RECORDING_SAMPLES = 4 * 3600 * RATE;

export interface DecodedCall {
  /** Interleaved stereo 16-bit samples at 8 kHz: left the caller, right the called party. */
  stereo: Int16Array;
  /** Samples per channel. */
  frames: number;
  /** Epoch ms of the first audio packet (the recording's time zero). */
  startMs: number;
  /** Audio packets placed per side. */
  packets: { caller: number; callee: number };
}

/**
 * The call's audio, both directions, as one stereo track. Each side's packets are placed by RTP timestamp
 * relative to the first packet of their SSRC, that SSRC anchored at its capture time (a new SSRC — another
 * device, a transfer — starts where it arrived). G.711 (PCMU 0, PCMA 8) is decoded; other payload types
 * (telephone-event, comfort noise, wideband codecs) are skipped. Null when no audio packet was captured.
 */
export function decodeCall(packets: CapturedPacket[], ports: { callerPort: number | null; calleePort: number | null }): DecodedCall | null {
  type Frame = { side: 0 | 1; pos: number; pcm: Int16Array };
  const audio: Array<{ side: 0 | 1; timeUs: number; ssrc: number; ts: number; pt: number; body: Buffer }> = [];
  for (const p of packets) {
    const side = p.dstPort === ports.callerPort ? 0 : p.dstPort === ports.calleePort ? 1 : -1;
    if (side < 0) continue;
    const b = p.payload;
    if (b.length < 12 || b[0]! >> 6 !== 2) continue;
    const pt = b[1]! & 0x7f;
    if (pt !== 0 && pt !== 8) continue;
    const cc = b[0]! & 0x0f;
    let off = 12 + cc * 4;
    if (b[0]! & 0x10) {
      if (off + 4 > b.length) continue;
      off += 4 + b.readUInt16BE(off + 2) * 4;
    }
    let end = b.length;
    if (b[0]! & 0x20) end -= b[b.length - 1]!;
    if (off >= end) continue;
    audio.push({ side: side as 0 | 1, timeUs: p.timeUs, ssrc: b.readUInt32BE(8), ts: b.readUInt32BE(4), pt, body: b.subarray(off, end) });
  }
  if (!audio.length) return null;
  const t0 = Math.min(...audio.map((a) => a.timeUs));
  const anchors = new Map<string, { pos: number; ts: number }>();
  const frames: Frame[] = [];
  const count = { caller: 0, callee: 0 };
  let length = 0;
  for (const a of audio) {
    const key = `${a.side}:${a.ssrc}`;
    let anchor = anchors.get(key);
    if (!anchor) anchors.set(key, (anchor = { pos: Math.round(((a.timeUs - t0) / 1e6) * RATE), ts: a.ts }));
    // signed 32-bit difference: timestamps wrap, and a reordered packet may be slightly before the first
    const pos = anchor.pos + ((a.ts - anchor.ts) | 0);
    if (pos < 0 || pos >= MAX_RECORDING_SAMPLES) continue;
    const pcm = decodeG711(a.pt === 0 ? 'PCMU' : 'PCMA', a.body);
    frames.push({ side: a.side, pos, pcm });
    length = Math.max(length, Math.min(MAX_RECORDING_SAMPLES, pos + pcm.length));
    if (a.side === 0) count.caller++;
    else count.callee++;
  }
  const stereo = new Int16Array(length * 2);
  for (const f of frames) {
    const n = Math.min(f.pcm.length, length - f.pos);
    for (let i = 0; i < n; i++) stereo[(f.pos + i) * 2 + f.side] = f.pcm[i]!;
  }
  return { stereo, frames: length, startMs: Math.round(t0 / 1000), packets: count };
}

/** One channel (0 left = caller, 1 right = called party) of interleaved stereo samples. */
export function channel(stereo: Int16Array, ch: 0 | 1): Int16Array {
  const out = new Int16Array(stereo.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = stereo[i * 2 + ch]!;
  return out;
}

/** Interleaved 16-bit stereo at 8 kHz → WAV (canonical 44-byte header, little-endian samples). */
export function stereoWav(stereo: Int16Array): Buffer {
  const data = stereo.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(2, 22); // stereo
  out.writeUInt32LE(RATE, 24);
  out.writeUInt32LE(RATE * 4, 28); // byte rate
  out.writeUInt16LE(4, 32); // block align
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data, 40);
  for (let i = 0; i < stereo.length; i++) out.writeInt16LE(stereo[i]!, 44 + i * 2);
  return out;
}

/** A stereo WAV written by stereoWav → its interleaved samples (for tests and checks). */
export function readStereoWav(wav: Buffer): Int16Array {
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.readUInt16LE(22) !== 2) throw new Error('not a stereo WAV');
  const n = (wav.length - 44) >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = wav.readInt16LE(44 + i * 2);
  return out;
}
