/**
 * A call's media as the voicemail scripts see it: play prompts (interruptible by a key press), collect
 * digits, record. Built on an RtpSession; DTMF arrives as RFC 4733 events (rtp.ts) or SIP INFO (the SIP
 * layer calls pushDigit). A hang-up makes every waiting primitive throw HangupError, except record(), which
 * returns what was recorded (hanging up is the normal way to end a voicemail message).
 */
import { concatPcm, FRAME, RATE, rms } from '../audio.ts';
import type { RtpSession } from './rtp.ts';

export class HangupError extends Error {
  constructor() {
    super('caller hung up');
  }
}

export interface RecordOptions {
  maxMs: number;
  /** Stop after this much continuous silence (the silence is trimmed off). */
  silenceMs: number;
  /** RMS level under which a frame counts as silence (16-bit scale). */
  silenceLevel?: number;
}

export interface Recording {
  pcm: Int16Array;
  ended: 'hash' | 'hangup' | 'silence' | 'max';
}

export class Channel {
  private digits: string[] = [];
  private waiters = new Set<() => void>();
  hungUp = false;

  constructor(readonly rtp: RtpSession) {
    rtp.onDigit((d) => this.pushDigit(d));
  }

  pushDigit(d: string): void {
    this.digits.push(d);
    this.wake();
  }

  hangup(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.rtp.stopPlayback();
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private check(): void {
    if (this.hungUp) throw new HangupError();
  }

  clearDigits(): void {
    this.digits = [];
  }

  /**
   * Plays the parts in order. With `interrupt`, a key press stops playback at once and is left in the digit
   * buffer (so "press 1" can be pressed over the prompt); returns that digit, or null if it played to the end.
   */
  async play(parts: Int16Array[], interrupt = true): Promise<string | null> {
    this.check();
    if (interrupt && this.digits.length) return this.digits[0]!;
    const pcm = concatPcm(parts);
    if (!pcm.length) return null;
    let onDigit: (() => void) | null = null;
    if (interrupt) {
      onDigit = () => {
        if (this.digits.length || this.hungUp) this.rtp.stopPlayback();
      };
      this.waiters.add(onDigit);
    }
    try {
      await this.rtp.play(pcm);
    } finally {
      if (onDigit) this.waiters.delete(onDigit);
    }
    this.check();
    return interrupt && this.digits.length ? this.digits[0]! : null;
  }

  /** Waits up to `ms` for one key; null on timeout. */
  async key(ms: number): Promise<string | null> {
    const got = await this.collect({ max: 1, timeoutMs: ms });
    return got === null || got === '' ? null : got;
  }

  /**
   * Collects up to `max` digits, ending early at `terminator` (not included); null if nothing was pressed
   * within `timeoutMs` (first digit) / `interDigitMs` (between digits).
   */
  async collect(o: { max: number; terminator?: string; timeoutMs: number; interDigitMs?: number }): Promise<string | null> {
    this.check();
    let got = '';
    for (;;) {
      const d = this.digits.shift();
      if (d !== undefined) {
        if (o.terminator && d === o.terminator) return got;
        got += d;
        if (got.length >= o.max) return got;
        continue;
      }
      const ok = await this.waitForDigit(got ? (o.interDigitMs ?? 5000) : o.timeoutMs);
      this.check();
      if (!ok) return got || null;
    }
  }

  private waitForDigit(ms: number): Promise<boolean> {
    if (this.digits.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(w);
        resolve(v);
      };
      const w = () => {
        if (this.digits.length || this.hungUp) done(this.digits.length > 0);
      };
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(w);
    });
  }

  /** Records the caller until '#', hang-up, `silenceMs` of silence or `maxMs`. */
  record(o: RecordOptions): Promise<Recording> {
    this.digits = this.digits.filter((d) => d !== '#');
    const level = o.silenceLevel ?? 250;
    const maxSamples = Math.round((o.maxMs * RATE) / 1000);
    // one-second chunks allocated as audio arrives: a 3-minute buffer per call up front (2.9 MB, zeroed) made
    // the garbage collector stall every call's 20 ms send clock when many recordings started together
    const chunks: Int16Array[] = [];
    const put = (pcm: Int16Array, at: number) => {
      for (let i = 0; i < pcm.length; ) {
        const c = Math.floor((at + i) / RATE);
        const off = (at + i) % RATE;
        const n = Math.min(pcm.length - i, RATE - off);
        (chunks[c] ??= new Int16Array(RATE)).set(pcm.subarray(i, i + n), off);
        i += n;
      }
    };
    const take = (end: number) => {
      const out = new Int16Array(end);
      for (let c = 0; c * RATE < end; c++) if (chunks[c]) out.set(chunks[c]!.subarray(0, Math.min(RATE, end - c * RATE)), c * RATE);
      return out;
    };
    let base: number | null = null;
    let written = 0; // samples up to the furthest frame received
    let lastSound = 0; // sample index just after the last frame with sound
    let started = 0;
    return new Promise((resolve) => {
      let ended: Recording['ended'] | null = null;
      const finish = (how: Recording['ended']) => {
        if (ended) return;
        ended = how;
        this.rtp.onAudio(null);
        this.waiters.delete(w);
        clearTimeout(maxTimer);
        clearInterval(silenceTimer);
        // trim the trailing silence when silence ended it; otherwise keep it all (up to the last frame)
        const end = how === 'silence' ? lastSound : written;
        resolve({ pcm: take(Math.min(end, maxSamples)), ended: how });
      };
      this.rtp.onAudio((pcm, ts) => {
        if (base === null) base = (ts - written) >>> 0;
        const at = ((ts - base) >>> 0) as number;
        if (at > maxSamples + RATE * 10) return; // a timestamp jump far ahead: ignore the packet
        if (at >= maxSamples) return finish('max');
        const n = Math.min(pcm.length, maxSamples - at);
        put(pcm.subarray(0, n), at);
        written = Math.max(written, at + n);
        if (rms(pcm) >= level) lastSound = Math.max(lastSound, at + n);
        if (written >= maxSamples) finish('max');
      });
      const w = () => {
        if (this.hungUp) return finish('hangup');
        const i = this.digits.indexOf('#');
        if (i >= 0) {
          this.digits.splice(i, 1);
          finish('hash');
        }
      };
      this.waiters.add(w);
      started = performance.now();
      const maxTimer = setTimeout(() => finish('max'), o.maxMs + 500);
      // silence: judged on received audio; if no audio arrives at all, on wall-clock time
      const silenceTimer = setInterval(() => {
        const heardMs = (lastSound / RATE) * 1000;
        // stream time, but never far behind the wall clock (a phone may stop sending RTP during silence)
        const nowMs = Math.max((written / RATE) * 1000, performance.now() - started - 200);
        if (nowMs - heardMs >= o.silenceMs) finish('silence');
      }, FRAME / 8);
      w();
    });
  }
}
