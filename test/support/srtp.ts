/**
 * SRTP (RFC 3711) for a test phone, suite AES_CM_128_HMAC_SHA1_80 only, SDES keys (RFC 4568 `a=crypto`):
 * enough for a TLS test phone to send and hear real audio through rtpengine's SRTP leg. Key derivation rate 0,
 * the rollover counter followed from sequence-number wrap (tests are short: it stays 0).
 */
import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SUITE = 'AES_CM_128_HMAC_SHA1_80';

interface Keys {
  enc: Buffer;
  auth: Buffer;
  salt: Buffer;
}

/** AES-128 in counter mode from a 16-byte IV (the counter is its low 16 bits, RFC 3711 4.1.1). */
function aesCm(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-128-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Session keys from the master key (16) and salt (14) of an `inline:` key, label 0/1/2 (RFC 3711 4.3). */
function deriveKeys(master: Buffer): Keys {
  const key = master.subarray(0, 16);
  const salt = master.subarray(16, 30);
  const derive = (label: number, len: number) => {
    const x = Buffer.alloc(16);
    salt.copy(x, 0);
    x[7] = x[7]! ^ label; // key_id = label || r (r = 0), aligned to the right of the 112-bit salt
    return aesCm(key, x, Buffer.alloc(len));
  };
  return { enc: derive(0, 16), auth: derive(1, 20), salt: derive(2, 14) };
}

/** One direction's SRTP context: protect (send) or unprotect (receive) RTP packets. */
export class SrtpContext {
  private readonly k: Keys;
  private roc = 0;
  private lastSeq = -1;

  constructor(readonly masterKey: Buffer) {
    if (masterKey.length !== 30) throw new Error('an AES_CM_128 master key + salt is 30 bytes');
    this.k = deriveKeys(masterKey);
  }

  static random(): SrtpContext {
    return new SrtpContext(randomBytes(30));
  }

  /** From an `a=crypto:<tag> AES_CM_128_HMAC_SHA1_80 inline:<base64>[|...]` line. */
  static fromCryptoLine(line: string): SrtpContext {
    const m = /inline:([A-Za-z0-9+/=]+)/.exec(line);
    if (!m || !line.includes(SUITE)) throw new Error(`not an ${SUITE} key: ${line}`);
    return new SrtpContext(Buffer.from(m[1]!, 'base64'));
  }

  get inline(): string {
    return this.masterKey.toString('base64');
  }

  private iv(ssrc: number, index: bigint): Buffer {
    const iv = Buffer.alloc(16);
    this.k.salt.copy(iv, 0);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    const idx = Buffer.alloc(8);
    idx.writeBigUInt64BE(index << 16n);
    for (let i = 0; i < 8; i++) iv[8 + i] = iv[8 + i]! ^ idx[i]!;
    return iv;
  }

  private tag(authed: Buffer, roc: number): Buffer {
    const r = Buffer.alloc(4);
    r.writeUInt32BE(roc >>> 0);
    return createHmac('sha1', this.k.auth).update(authed).update(r).digest().subarray(0, 10);
  }

  private index(seq: number): { roc: number; index: bigint } {
    let roc = this.roc;
    if (this.lastSeq >= 0 && seq < 0x1000 && this.lastSeq > 0xf000) roc = this.roc + 1;
    return { roc, index: (BigInt(roc) << 16n) | BigInt(seq) };
  }

  private advance(seq: number, roc: number): void {
    if (roc > this.roc || seq > this.lastSeq) {
      this.roc = roc;
      this.lastSeq = seq;
    }
  }

  /** RTP → SRTP (header with no CSRC or extension, as the test phone sends). */
  protect(rtp: Buffer): Buffer {
    const hl = 12 + (rtp[0]! & 0x0f) * 4;
    const seq = rtp.readUInt16BE(2);
    const { roc, index } = this.index(seq);
    const body = aesCm(this.k.enc, this.iv(rtp.readUInt32BE(8), index), rtp.subarray(hl));
    const authed = Buffer.concat([rtp.subarray(0, hl), body]);
    this.advance(seq, roc);
    return Buffer.concat([authed, this.tag(authed, roc)]);
  }

  /** SRTP → RTP, or null when the authentication tag does not match. */
  unprotect(srtp: Buffer): Buffer | null {
    if (srtp.length < 12 + 10) return null;
    let hl = 12 + (srtp[0]! & 0x0f) * 4;
    if (srtp[0]! & 0x10) hl += 4 + srtp.readUInt16BE(hl + 2) * 4;
    const seq = srtp.readUInt16BE(2);
    const { roc, index } = this.index(seq);
    const authed = srtp.subarray(0, srtp.length - 10);
    if (!timingSafeEqual(this.tag(authed, roc), srtp.subarray(srtp.length - 10))) return null;
    this.advance(seq, roc);
    const body = aesCm(this.k.enc, this.iv(srtp.readUInt32BE(8), index), authed.subarray(hl));
    return Buffer.concat([authed.subarray(0, hl), body]);
  }
}
