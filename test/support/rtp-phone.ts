/**
 * A test phone's media: an RTP endpoint on loopback that sends a given sound as PCMU in 20 ms frames, sends
 * RFC 4733 telephone-events (DTMF), and keeps everything it receives (decoded) so a test can check what the far
 * end played. Used with the SIP test agents to prove audio end to end.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodeG711, encodeG711, FRAME } from '../../src/modules/voicemail/audio.ts';

const EVENTS = '0123456789*#';

export class RtpPhone {
  readonly sock: Socket;
  port = 0;
  remote: { address: string; port: number } | null = null;
  received: Int16Array[] = [];
  private seq = 1000;
  private ts = 50_000;
  private readonly ssrc = 0x1234abcd;
  /** SRTP (a TLS phone, test/support/srtp.ts): every packet sent is protected, every packet received unprotected. */
  srtp?: { protect(rtp: Buffer): Buffer; unprotect(srtp: Buffer): Buffer | null };
  /** Packets received that failed SRTP authentication. */
  rejected = 0;

  constructor(readonly address = '127.0.0.1') {
    this.sock = createSocket('udp4');
    this.sock.on('message', (raw) => {
      const msg = this.srtp ? this.srtp.unprotect(raw) : raw;
      if (!msg) {
        this.rejected++;
        return;
      }
      if (msg.length <= 12) return;
      const pt = msg[1]! & 0x7f;
      if (pt === 0 || pt === 8) this.received.push(decodeG711(pt === 0 ? 'PCMU' : 'PCMA', msg.subarray(12)));
    });
  }

  async open(): Promise<this> {
    await new Promise<void>((r) => this.sock.bind(0, this.address, () => r()));
    this.port = this.sock.address().port;
    return this;
  }

  sdp(): string {
    return ['v=0', `o=test 1 1 IN IP4 ${this.address}`, 's=test', `c=IN IP4 ${this.address}`, 't=0 0', `m=audio ${this.port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', ''].join('\r\n');
  }

  /** The far end's media address from its SDP answer. */
  answer(sdp: string): void {
    const c = /c=IN IP4 (\S+)/.exec(sdp);
    const m = /m=audio (\d+)/.exec(sdp);
    if (c && m) this.remote = { address: c[1]!, port: Number(m[1]) };
  }

  private packet(pt: number, payload: Uint8Array | Buffer, marker = false, ts = this.ts): Buffer {
    const b = Buffer.alloc(12 + payload.length);
    b[0] = 0x80;
    b[1] = (marker ? 0x80 : 0) | pt;
    b.writeUInt16BE(this.seq, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(this.ssrc, 8);
    Buffer.from(payload).copy(b, 12);
    this.seq = (this.seq + 1) & 0xffff;
    return b;
  }

  private closed = false;

  private send(b: Buffer): void {
    if (this.remote && !this.closed) this.sock.send(this.srtp ? this.srtp.protect(b) : b, this.remote.port, this.remote.address);
  }

  /** Sends `pcm` in real time (20 ms frames); resolves when the last frame is sent. */
  async play(pcm: Int16Array): Promise<void> {
    const t0 = performance.now();
    for (let i = 0, n = 0; i < pcm.length && !this.closed; i += FRAME, n++) {
      const frame = new Int16Array(FRAME);
      frame.set(pcm.subarray(i, i + FRAME));
      this.send(this.packet(0, encodeG711('PCMU', frame)));
      this.ts = (this.ts + FRAME) >>> 0;
      const wait = t0 + (n + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** One RFC 4733 event per digit: three updates then three end packets (same timestamp), 100 ms apart between digits. */
  async dtmf(digits: string): Promise<void> {
    for (const d of digits) {
      const ev = EVENTS.indexOf(d);
      if (ev < 0) throw new Error(`not a DTMF digit: ${d}`);
      const ts = this.ts;
      for (let i = 0; i < 6; i++) {
        const end = i >= 3;
        const payload = Buffer.from([ev, (end ? 0x80 : 0) | 10, 0, 0]);
        payload.writeUInt16BE(Math.min(i + 1, 4) * FRAME, 2);
        this.send(this.packet(101, payload, i === 0, ts));
        await new Promise((r) => setTimeout(r, 20));
      }
      this.ts = (this.ts + 6 * FRAME) >>> 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Everything received so far as one buffer. */
  heard(): Int16Array {
    const n = this.received.reduce((a, b) => a + b.length, 0);
    const out = new Int16Array(n);
    let o = 0;
    for (const r of this.received) {
      out.set(r, o);
      o += r.length;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
