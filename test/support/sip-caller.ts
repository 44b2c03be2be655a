/* eslint-disable @typescript-eslint/no-explicit-any -- wraps the untyped npm `sip` package */
/**
 * A minimal calling SIP agent with media for tests that talk to the voicemail server directly (no Kamailio):
 * INVITE with the RtpPhone's SDP and any extra headers, ACK, BYE either way. Loopback only.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { RtpPhone } from './rtp-phone.ts';

const require = createRequire(import.meta.url);
const sip = require('sip');
const rnd = () => randomBytes(6).toString('hex');

export interface ActiveCall {
  status: number;
  phone: RtpPhone;
  /** Sends a key as SIP INFO (application/dtmf-relay), the fallback for phones without RFC 4733. */
  info(digit: string): Promise<number>;
  /** Resolves when the far end hangs up (its BYE). */
  ended: Promise<void>;
  hangup(): Promise<void>;
}

export class SipCaller {
  private stack: any;
  private byes = new Map<string, () => void>();
  /** NOTIFY requests received (MWI tests): event, subscription state and body. */
  readonly notifies: { callId: string; event: string; state: string; body: string }[] = [];
  private cseq = 1;

  constructor(
    readonly address = '127.0.0.1',
    readonly port = 0,
  ) {}

  async start(): Promise<this> {
    const port = this.port || 20000 + Math.floor(Math.random() * 20000);
    (this as { port: number }).port = port;
    this.stack = sip.create({ address: this.address, port, publicAddress: 'localhost', udp: true, tcp: false, logger: {} }, (rq: any) => {
      if (rq.method === 'BYE') {
        this.stack.send(sip.makeResponse(rq, 200, 'OK'));
        this.byes.get(rq.headers['call-id'])?.();
      } else if (rq.method !== 'ACK') {
        if (rq.method === 'NOTIFY') this.notifies.push({ callId: rq.headers['call-id'], event: String(rq.headers.event ?? ''), state: String(rq.headers['subscription-state'] ?? ''), body: String(rq.content ?? '') });
        this.stack.send(sip.makeResponse(rq, 200, 'OK'));
      }
    });
    await new Promise((r) => setTimeout(r, 30));
    return this;
  }

  /** Calls `uri` (e.g. sip:102@127.0.0.1:5095) with `headers`; answered calls start their media at once. */
  async call(uri: string, headers: Record<string, string> = {}, from = 'sip:101@test.invalid'): Promise<ActiveCall> {
    const phone = await new RtpPhone(this.address).open();
    const callId = `${rnd()}@test`;
    const invite = {
      method: 'INVITE',
      uri,
      headers: {
        ...headers,
        to: { uri },
        from: { uri: from, params: { tag: rnd() } },
        'call-id': callId,
        cseq: { method: 'INVITE', seq: ++this.cseq },
        contact: [{ uri: `sip:caller@${this.address}:${this.port}` }],
        'content-type': 'application/sdp',
        'max-forwards': 70,
      },
      content: phone.sdp(),
    };
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => (endedResolve = r));
    this.byes.set(callId, endedResolve);
    const rs: any = await new Promise((resolve) =>
      this.stack.send(invite, (r: any) => {
        if (r.status >= 200) resolve(r);
      }),
    );
    if (rs.status >= 300) {
      phone.close();
      return { status: rs.status, phone, ended: Promise.resolve(), hangup: async () => {}, info: async () => 0 };
    }
    phone.answer(rs.content ?? '');
    const inDialog = (method: string, seq: number) => ({
      method,
      uri: rs.headers.contact[0].uri,
      headers: { to: rs.headers.to, from: invite.headers.from, 'call-id': callId, cseq: { method, seq }, via: [], 'max-forwards': 70, 'content-length': 0 },
    });
    this.stack.send(inDialog('ACK', rs.headers.cseq.seq));
    let done = false;
    void ended.then(() => (done = true));
    return {
      status: rs.status,
      phone,
      ended,
      info: async (digit: string) => {
        const rq: any = inDialog('INFO', ++this.cseq);
        const body = `Signal=${digit}\r\nDuration=160\r\n`;
        rq.headers['content-type'] = 'application/dtmf-relay';
        rq.headers['content-length'] = Buffer.byteLength(body);
        rq.content = body;
        const r: any = await new Promise((res) => this.stack.send(rq, (x: any) => x.status >= 200 && res(x)));
        return r.status as number;
      },
      hangup: async () => {
        if (done) return;
        await new Promise((r) => this.stack.send(inDialog('BYE', ++this.cseq), (x: any) => x.status >= 200 && r(x)));
        endedResolve();
      },
    };
  }

  /** SUBSCRIBE (Event: message-summary) to `uri` with `headers`; resolves with the final status and the dialog's refresh function. */
  async subscribe(uri: string, headers: Record<string, string> = {}, expires = 600): Promise<{ status: number; refresh(expires: number): Promise<number> }> {
    const callId = `${rnd()}@test`;
    const from = { uri: 'sip:u101@test.invalid', params: { tag: rnd() } };
    const send = (to: any, exp: number, extra: Record<string, string>): Promise<any> =>
      new Promise((resolve) =>
        this.stack.send(
          {
            method: 'SUBSCRIBE',
            uri,
            headers: { ...extra, to, from, 'call-id': callId, cseq: { method: 'SUBSCRIBE', seq: ++this.cseq }, contact: [{ uri: `sip:caller@${this.address}:${this.port}` }], event: 'message-summary', expires: exp, 'max-forwards': 70, 'content-length': 0 },
          },
          (r: any) => r.status >= 200 && resolve(r),
        ),
      );
    const rs = await send({ uri }, expires, headers);
    return { status: rs.status, refresh: async (exp) => (await send(rs.headers.to, exp, {})).status };
  }

  stop(): void {
    this.stack?.destroy();
  }
}
