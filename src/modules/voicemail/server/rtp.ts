/**
 * One RTP session of the voicemail server (RFC 3550 over UDP, G.711 PCMU/PCMA, RFC 4733 telephone-events).
 *
 * Sending: a paced 20 ms clock from the moment the call is answered, always sending (the current prompt, else
 * silence), so the far end's jitter buffer and any NAT binding see a steady stream; timestamps advance 160 per
 * frame and late timer ticks are caught up by sending the frames that are due (the clock is hrtime, not the
 * number of ticks). Receiving: audio frames are placed by RTP timestamp (reordering and loss become silence
 * in the right place); telephone-events are reported once per event (first packet of a new timestamp).
 * Symmetric RTP: the remote address is the SDP's until the first packet arrives, then where packets come from.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { decodeG711, encodeG711, FRAME, type Codec } from '../audio.ts';

export interface RtpStats {
  sent: number;
  received: number;
  /** Send ticks that ran later than one frame after their due time (each such frame is still sent). */
  late: number;
  /** Largest lateness of the send clock in ms. */
  maxLateMs: number;
}

const DTMF_EVENTS = '0123456789*#ABCD';

export class RtpSession {
  private sock: Socket;
  private remote: { address: string; port: number } | null = null;
  private latched = false;
  private ssrc = randomInt(1, 0xffffffff);
  private seq = randomInt(0, 0xffff);
  private ts = randomInt(0, 0x7fffffff);
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private framesSent = 0;
  private queue: { pcm: Int16Array; pos: number; done: (how: 'done' | 'stopped') => void }[] = [];
  private lastEventTs = -1;
  private audioListener: ((pcm: Int16Array, rtpTs: number) => void) | null = null;
  private digitListener: ((d: string) => void) | null = null;
  readonly stats: RtpStats = { sent: 0, received: 0, late: 0, maxLateMs: 0 };
  codec: Codec = 'PCMU';
  dtmfPayloadType: number | null = 101;
  closed = false;

  private constructor(
    sock: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    this.sock = sock;
    sock.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
    sock.on('error', () => {});
  }

  /** Binds an even port in [min, max] on `address`. */
  static async open(address: string, min: number, max: number): Promise<RtpSession> {
    const span = Math.floor((max - min) / 2) + 1;
    const start = randomInt(0, span);
    for (let i = 0; i < Math.min(span, 200); i++) {
      const port = min + ((start + i) % span) * 2;
      const sock = createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        sock.once('error', () => resolve(false));
        sock.bind(port, address, () => resolve(true));
      });
      if (ok) return new RtpSession(sock, address, port);
      sock.close();
    }
    throw new Error(`no free RTP port in ${min}-${max}`);
  }

  get payloadType(): number {
    return this.codec === 'PCMU' ? 0 : 8;
  }

  setRemote(address: string, port: number): void {
    if (!this.latched) this.remote = { address, port };
  }

  onAudio(cb: ((pcm: Int16Array, rtpTs: number) => void) | null): void {
    this.audioListener = cb;
  }

  onDigit(cb: ((d: string) => void) | null): void {
    this.digitListener = cb;
  }

  /** Starts the 20 ms send clock. */
  start(): void {
    if (this.timer || this.closed) return;
    this.t0 = performance.now();
    this.tick();
  }

  /** Plays `pcm` after whatever is queued; resolves 'done' when the last frame was sent, 'stopped' if cut short. */
  play(pcm: Int16Array): Promise<'done' | 'stopped'> {
    if (this.closed) return Promise.resolve('stopped');
    return new Promise((done) => this.queue.push({ pcm, pos: 0, done }));
  }

  /** Stops what is playing and everything queued. */
  stopPlayback(): void {
    const q = this.queue;
    this.queue = [];
    for (const item of q) item.done('stopped');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopPlayback();
    this.audioListener = null;
    this.digitListener = null;
    try {
      this.sock.close();
    } catch {
      /* already closed */
    }
  }

  private tick = (): void => {
    if (this.closed) return;
    const now = performance.now();
    const due = Math.floor((now - this.t0) / 20) + 1;
    const lateMs = now - this.t0 - (due - 1) * 20;
    if (due - this.framesSent > 1) {
      this.stats.late += due - this.framesSent - 1;
      this.stats.maxLateMs = Math.max(this.stats.maxLateMs, (due - this.framesSent - 1) * 20 + lateMs);
    }
    while (this.framesSent < due) {
      this.sendFrame(this.nextFrame());
      this.framesSent++;
    }
    const next = this.t0 + this.framesSent * 20;
    this.timer = setTimeout(this.tick, Math.max(0, next - performance.now()));
  };

  private nextFrame(): Int16Array {
    const frame = new Int16Array(FRAME);
    let filled = 0;
    while (filled < FRAME && this.queue.length) {
      const item = this.queue[0]!;
      const n = Math.min(FRAME - filled, item.pcm.length - item.pos);
      frame.set(item.pcm.subarray(item.pos, item.pos + n), filled);
      filled += n;
      item.pos += n;
      if (item.pos >= item.pcm.length) {
        this.queue.shift();
        // resolve after this frame is on the wire
        queueMicrotask(() => item.done('done'));
      }
    }
    return frame;
  }

  private sendFrame(pcm: Int16Array): void {
    const payload = encodeG711(this.codec, pcm);
    const pkt = Buffer.alloc(12 + payload.length);
    pkt[0] = 0x80;
    pkt[1] = this.payloadType;
    pkt.writeUInt16BE(this.seq, 2);
    pkt.writeUInt32BE(this.ts >>> 0, 4);
    pkt.writeUInt32BE(this.ssrc >>> 0, 8);
    Buffer.from(payload.buffer, payload.byteOffset, payload.length).copy(pkt, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME) >>> 0;
    if (!this.remote) return;
    this.sock.send(pkt, this.remote.port, this.remote.address);
    this.stats.sent++;
  }

  private onPacket(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const cc = msg[0]! & 0x0f;
    const hasExt = (msg[0]! & 0x10) !== 0;
    let off = 12 + cc * 4;
    if (hasExt) {
      if (msg.length < off + 4) return;
      off += 4 + msg.readUInt16BE(off + 2) * 4;
    }
    let end = msg.length;
    if (msg[0]! & 0x20) end -= msg[msg.length - 1]!; // padding
    if (off > end) return;
    // symmetric RTP: answer where the media comes from (phones behind NAT, relays)
    if (!this.latched || this.remote?.address !== rinfo.address || this.remote?.port !== rinfo.port) {
      this.remote = { address: rinfo.address, port: rinfo.port };
      this.latched = true;
    }
    this.stats.received++;
    const pt = msg[1]! & 0x7f;
    const ts = msg.readUInt32BE(4);
    const payload = msg.subarray(off, end);
    if (this.dtmfPayloadType !== null && pt === this.dtmfPayloadType) {
      if (payload.length >= 4 && ts !== this.lastEventTs) {
        this.lastEventTs = ts;
        const digit = DTMF_EVENTS[payload[0]!];
        if (digit) this.digitListener?.(digit);
      }
      return;
    }
    if (pt === 0 || pt === 8) this.audioListener?.(decodeG711(pt === 0 ? 'PCMU' : 'PCMA', payload), ts);
  }
}
