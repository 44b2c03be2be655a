/* eslint-disable @typescript-eslint/no-explicit-any -- wraps the untyped npm `sip` package */
/**
 * Test user agent on the npm `sip` package (0.0.6): digest-authenticated REGISTER, INVITE/ACK/BYE, and an
 * answering side that can answer, answer busy, or ring until cancelled. Loopback only, fixed ports.
 * A REFER in a call it answered is accepted (202) and followed like a phone's blind transfer: it calls the
 * Refer-To target through Kamailio (authenticated as itself, Referred-By passed on) and reports the outcome
 * in a NOTIFY (message/sipfrag) in the REFER's dialog.
 * Traps handled (see docs/sip.md): explicit address/port/udp; publicAddress 'localhost' so the stack does
 * not drop a Route to Kamailio's 127.0.0.1; the 2xx ACK and Record-Route copying are done here.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const sip = require('sip');
const digest = require('sip/digest');

export type AnswerMode = 'answer' | 'busy' | 'ring';
export interface SipMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: Record<string, any>;
  content?: string;
}
export interface Received {
  method: string;
  callId: string;
  ruri: string;
  from: string;
  headers: Record<string, any>;
  /** Date.now() when it arrived (ring groups: who rang when). */
  at: number;
  content?: string;
  /** The transport it arrived over (UDP, TLS). */
  protocol?: string;
}

const rnd = () => randomBytes(6).toString('hex');

export class UA {
  stack: any;
  readonly received: Received[] = [];
  mode: AnswerMode = 'answer';
  /** When set, answered INVITEs get this SDP (a test phone's media, given the caller's offer). */
  answerWith?: (offer: string) => string;
  /**
   * A phone that honours auto-answer (intercom): an INVITE with `Call-Info: …;answer-after=0` is answered at once
   * whatever the mode (call pickup sends the picker's phone such an INVITE).
   */
  autoAnswer = false;
  /** How long the call a REFER starts stays up before this phone hangs it up (ms). */
  referHoldMs = 1500;
  /** Outcomes of the calls REFERs started: the Refer-To user and the final status. */
  readonly referred: Array<{ target: string; status: number }> = [];
  /** INVITEs this phone answered (200), by Call-ID: the dialog an in-dialog request (REFER) belongs to. */
  private answered = new Map<string, { rq: SipMessage; tag: string; cseq: number }>();
  private cseq = 1;
  private readonly regCallId = `${rnd()}@localhost`;
  private readonly fromTag = rnd();
  private ringing = new Map<string, any>();
  /** The INVITE in progress (no final response yet), as sent (its Via carries the branch a CANCEL needs). */
  private pendingInvite?: SipMessage;

  constructor(
    // publicAddress: the host the `sip` package puts in Via; 'localhost' unless given, because the package drops a
    // next hop equal to it (Kamailio on the same 127.0.0.1); a phone on a real address passes that address, so
    // Kamailio does not take it for a phone behind NAT
    // tls: a phone on SIP over TLS (proxy = Kamailio's TLS port): it connects with these options (ca: the server's
    // certificate it trusts; cert/key: also what it presents should Kamailio connect to it) and its Contact says
    // transport=tls
    readonly o: { user: string; password: string; domain: string; port: number; proxy: string; address?: string; publicAddress?: string; tls?: { ca: string; cert: string; key: string } },
  ) {}

  get aor(): string {
    return `sip:${this.o.user}@${this.o.domain}`;
  }
  get contact(): string {
    return `sip:${this.o.user}@${this.o.address ?? '127.0.0.1'}:${this.o.port};transport=${this.o.tls ? 'tls' : 'udp'}`;
  }
  private get route(): string {
    return `<sip:${this.o.proxy};transport=${this.o.tls ? 'tls' : 'udp'};lr>`;
  }

  start(): this {
    // like a real phone, nothing listens for TLS on its Contact port: everything reaches it over the connection it
    // opened (the `sip` package always runs a TLS server too; it is put out of the way, 20000 ports up)
    const tls = this.o.tls ? { tls: this.o.tls, tls_port: this.o.port + 20000 } : {};
    this.stack = sip.create({ address: this.o.address ?? '127.0.0.1', port: this.o.port, publicAddress: this.o.publicAddress ?? 'localhost', udp: true, tcp: false, ...tls, logger: {} }, (rq: SipMessage, remote?: { protocol?: string }) =>
      this.onRequest(rq, remote?.protocol?.toUpperCase()),
    );
    return this;
  }

  stop(): void {
    this.stack?.destroy();
    this.stack = undefined;
  }

  /** Sends a request and answers one 401/407 challenge; resolves with the final response. */
  request(rq: SipMessage, password = this.o.password): Promise<SipMessage> {
    return new Promise((resolve) => {
      let challenged = false;
      if (rq.method === 'INVITE') this.pendingInvite = rq;
      const send = () =>
        this.stack.send(rq, (rs: SipMessage) => {
          if (rs.status! < 200) return;
          if ((rs.status === 401 || rs.status === 407) && !challenged) {
            challenged = true;
            rq.headers.cseq.seq = ++this.cseq;
            delete rq.headers.authorization;
            delete rq.headers['proxy-authorization'];
            rq.headers.via = [];
            digest.signRequest({}, rq, rs, { user: this.o.user, password });
            return send();
          }
          if (this.pendingInvite === rq) this.pendingInvite = undefined;
          resolve(rs);
        });
      send();
    });
  }

  register(expires = 300, password = this.o.password): Promise<SipMessage> {
    return this.request(
      {
        method: 'REGISTER',
        uri: `sip:${this.o.domain}`,
        headers: {
          to: { uri: this.aor },
          from: { uri: this.aor, params: { tag: this.fromTag } },
          'call-id': this.regCallId,
          cseq: { method: 'REGISTER', seq: ++this.cseq },
          contact: [{ uri: this.contact }],
          expires,
          route: this.route,
          'max-forwards': 70,
          'content-length': 0,
        },
      },
      password,
    );
  }

  unregister(): Promise<SipMessage> {
    return this.register(0);
  }

  /**
   * Calls `target` (user part); on 2xx sends ACK, holds, then BYE. `headers` are added to the INVITE as they
   * are (lower-case names; e.g. a forged P-Asserted-Identity).
   */
  async call(
    target: string,
    holdMs = 50,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; reason: string; answeredBy?: string; contact?: string; toTag?: string; callId: string; bye?: number; retryAfter?: string }> {
    const callId = `${rnd()}@localhost`;
    const invite: SipMessage = {
      method: 'INVITE',
      uri: `sip:${target}@${this.o.domain}`,
      headers: {
        ...headers,
        to: { uri: `sip:${target}@${this.o.domain}` },
        from: { uri: this.aor, params: { tag: rnd() } },
        'call-id': callId,
        cseq: { method: 'INVITE', seq: ++this.cseq },
        contact: [{ uri: this.contact }],
        route: this.route,
        'max-forwards': 70,
        'content-length': 0,
      },
    };
    const rs = await this.request(invite);
    if (rs.status! >= 300) return { status: rs.status!, reason: rs.reason!, callId, retryAfter: rs.headers['retry-after'] === undefined ? undefined : String(rs.headers['retry-after']) };
    const routeSet = (rs.headers['record-route'] ?? []).slice().reverse();
    const inDialog = (method: string, seq: number): SipMessage => ({
      method,
      uri: rs.headers.contact[0].uri,
      headers: { to: rs.headers.to, from: invite.headers.from, 'call-id': callId, cseq: { method, seq }, route: routeSet, 'max-forwards': 70, via: [], 'content-length': 0 },
    });
    this.stack.send(inDialog('ACK', rs.headers.cseq.seq));
    await new Promise((r) => setTimeout(r, holdMs));
    const bye = await new Promise<SipMessage>((r) =>
      this.stack.send(inDialog('BYE', ++this.cseq), (x: SipMessage) => {
        if (x.status! >= 200) r(x);
      }),
    );
    return { status: rs.status!, reason: rs.reason!, answeredBy: rs.headers.to.uri, contact: rs.headers.contact?.[0]?.uri, toTag: rs.headers.to.params?.tag, callId, bye: bye.status };
  }

  /**
   * Calls `target` with an SDP offer (a test phone's media, test/support/rtp-phone.ts) and ACKs the answer;
   * the caller hangs up with `hangup()`, and `farEndHungUp()` tells whether the far end sent BYE.
   */
  async dial(
    target: string,
    sdp: string,
  ): Promise<{
    status: number;
    reason: string;
    answer: string;
    callId: string;
    /** The answering device's Contact URI (2xx). */
    contact?: string;
    hangup(): Promise<number>;
    farEndHungUp(): boolean;
    reinvite(sdp: string): Promise<{ status: number; answer: string }>;
  }> {
    const callId = `${rnd()}@localhost`;
    const invite: SipMessage = {
      method: 'INVITE',
      uri: `sip:${target}@${this.o.domain}`,
      headers: {
        to: { uri: `sip:${target}@${this.o.domain}` },
        from: { uri: this.aor, params: { tag: rnd() } },
        'call-id': callId,
        cseq: { method: 'INVITE', seq: ++this.cseq },
        contact: [{ uri: this.contact }],
        route: this.route,
        'content-type': 'application/sdp',
        'max-forwards': 70,
      },
      content: sdp,
    };
    const rs = await this.request(invite);
    const farEndHungUp = () => this.received.some((r) => r.method === 'BYE' && r.callId === callId);
    if (rs.status! >= 300) return { status: rs.status!, reason: rs.reason!, answer: '', callId, hangup: async () => 0, farEndHungUp, reinvite: async () => ({ status: 0, answer: '' }) };
    const routeSet = (rs.headers['record-route'] ?? []).slice().reverse();
    const inDialog = (method: string, seq: number): SipMessage => ({
      method,
      uri: rs.headers.contact[0].uri,
      headers: { to: rs.headers.to, from: invite.headers.from, 'call-id': callId, cseq: { method, seq }, route: routeSet, 'max-forwards': 70, via: [], 'content-length': 0 },
    });
    this.stack.send(inDialog('ACK', rs.headers.cseq.seq));
    return {
      status: rs.status!,
      reason: rs.reason!,
      answer: rs.content ?? '',
      callId,
      contact: rs.headers.contact?.[0]?.uri,
      farEndHungUp,
      // an in-dialog INVITE with a new offer (hold: a=sendonly; resume: a=sendrecv), ACKed
      reinvite: async (offer: string) => {
        const rq = inDialog('INVITE', ++this.cseq);
        rq.headers['content-type'] = 'application/sdp';
        rq.headers.contact = [{ uri: this.contact }];
        delete rq.headers['content-length'];
        rq.content = offer;
        const r = await new Promise<SipMessage>((res) => this.stack.send(rq, (x: SipMessage) => x.status! >= 200 && res(x)));
        if (r.status! < 300) this.stack.send(inDialog('ACK', r.headers.cseq.seq));
        return { status: r.status!, answer: r.content ?? '' };
      },
      hangup: async () => {
        if (farEndHungUp()) return 0;
        const bye = await new Promise<SipMessage>((r) => this.stack.send(inDialog('BYE', ++this.cseq), (x: SipMessage) => x.status! >= 200 && r(x)));
        return bye.status!;
      },
    };
  }

  /** SUBSCRIBE to message-waiting (RFC 3842) for the phone's own AoR through Kamailio; resolves with the final status. */
  async subscribeMwi(expires = 600): Promise<number> {
    const rs = await this.request({
      method: 'SUBSCRIBE',
      uri: this.aor,
      headers: {
        to: { uri: this.aor },
        from: { uri: this.aor, params: { tag: rnd() } },
        'call-id': `${rnd()}@localhost`,
        cseq: { method: 'SUBSCRIBE', seq: ++this.cseq },
        contact: [{ uri: this.contact }],
        event: 'message-summary',
        accept: 'application/simple-message-summary',
        expires,
        route: this.route,
        'max-forwards': 70,
        'content-length': 0,
      },
    });
    return rs.status!;
  }

  /**
   * SUBSCRIBE to `event` for `target` (an extension of the phone's own domain, or a full SIP URI) through
   * Kamailio; resolves with the final status and the subscription's NOTIFYs (bodies recorded as they arrive).
   * `unsubscribe()` sends the in-dialog SUBSCRIBE with Expires: 0 along the dialog the 2xx set up.
   */
  async subscribe(
    event: string,
    target: string,
    expires = 600,
  ): Promise<{ status: number; reason: string; callId: string; notifies(): Received[]; bodies(): string[]; unsubscribe(): Promise<number> }> {
    const uri = target.startsWith('sip:') ? target : `sip:${target}@${this.o.domain}`;
    const callId = `${rnd()}@localhost`;
    const accept = { dialog: 'application/dialog-info+xml', presence: 'application/pidf+xml', 'message-summary': 'application/simple-message-summary' }[event];
    const from = { uri: this.aor, params: { tag: rnd() } };
    const rs = await this.request({
      method: 'SUBSCRIBE',
      uri,
      headers: {
        to: { uri },
        from,
        'call-id': callId,
        cseq: { method: 'SUBSCRIBE', seq: ++this.cseq },
        contact: [{ uri: this.contact }],
        event,
        ...(accept && { accept }),
        expires,
        route: this.route,
        'max-forwards': 70,
        'content-length': 0,
      },
    });
    const notifies = () => this.received.filter((r) => r.method === 'NOTIFY' && r.callId === callId);
    return {
      status: rs.status!,
      reason: rs.reason ?? '',
      callId,
      notifies,
      bodies: () => notifies().map((r) => String(r.content ?? '')),
      unsubscribe: () =>
        new Promise<number>((resolve) => {
          const routeSet = (rs.headers['record-route'] ?? []).slice().reverse();
          this.stack.send(
            {
              method: 'SUBSCRIBE',
              uri: rs.headers.contact?.[0]?.uri ?? uri,
              headers: {
                to: rs.headers.to,
                from,
                'call-id': callId,
                cseq: { method: 'SUBSCRIBE', seq: ++this.cseq },
                contact: [{ uri: this.contact }],
                event,
                expires: 0,
                route: routeSet.length ? routeSet : this.route,
                'max-forwards': 70,
                via: [],
                'content-length': 0,
              },
            },
            (x: SipMessage) => {
              if (x.status! >= 200) resolve(x.status!);
            },
          );
        }),
    };
  }

  /** message-summary NOTIFY bodies received so far. */
  mwi(): string[] {
    return this.received.filter((r) => r.method === 'NOTIFY' && /message-summary/i.test(String(r.headers.event))).map((r) => String(r.content ?? ''));
  }

  /** An out-of-dialog non-INVITE request (MESSAGE, NOTIFY, OPTIONS ...) to a full SIP URI; resolves with the final response. */
  send(method: string, uri: string, body = ''): Promise<SipMessage> {
    return this.request({
      method,
      uri,
      headers: {
        to: { uri },
        from: { uri: this.aor, params: { tag: rnd() } },
        'call-id': `${rnd()}@localhost`,
        cseq: { method, seq: ++this.cseq },
        ...(method === 'MESSAGE' && { 'content-type': 'text/plain' }),
        route: this.route,
        'max-forwards': 70,
        'content-length': Buffer.byteLength(body),
      },
      content: body,
    });
  }

  private onRequest(rq: SipMessage, protocol?: string): void {
    const callId = rq.headers['call-id'];
    this.received.push({ method: rq.method!, callId, ruri: rq.uri!, from: rq.headers.from?.uri, headers: rq.headers, at: Date.now(), content: rq.content, protocol });
    if (rq.method === 'ACK') return;
    if (rq.method === 'INVITE') {
      const auto = this.autoAnswer && /answer-after=0/.test(String(rq.headers['call-info'] ?? ''));
      if (auto) return this.answer(rq);
      if (this.mode === 'busy') return this.stack.send(sip.makeResponse(rq, 486, 'Busy Here'));
      if (this.mode === 'ring') {
        // one To tag for the early dialog and its final answer, as a phone does (the dialog module needs it)
        const tag = rnd();
        this.ringing.set(callId, { rq, tag });
        const ringing = withToTag(sip.makeResponse(rq, 180, 'Ringing'), tag);
        ringing.headers.contact = [{ uri: this.contact }];
        if (rq.headers['record-route']) ringing.headers['record-route'] = rq.headers['record-route'];
        return this.stack.send(ringing);
      }
      return this.answer(rq);
    }
    if (rq.method === 'CANCEL') {
      this.stack.send(sip.makeResponse(rq, 200, 'OK'));
      const inv = this.ringing.get(callId);
      if (inv) this.stack.send(withToTag(sip.makeResponse(inv.rq, 487, 'Request Terminated'), inv.tag));
      this.ringing.delete(callId);
      return;
    }
    if (rq.method === 'REFER') {
      const dlg = this.answered.get(callId);
      if (!dlg) return this.stack.send(sip.makeResponse(rq, 481, 'Call/Transaction Does Not Exist'));
      // the `sip` package parses Refer-To into an address object
      const h = rq.headers['refer-to'];
      const referTo = typeof h === 'object' && h ? String(h.uri ?? '') : String(h ?? '');
      const m = /sip:([^@;>]+)@/i.exec(referTo);
      if (!m) return this.stack.send(sip.makeResponse(rq, 400, 'Bad Refer-To'));
      this.stack.send(sip.makeResponse(rq, 202, 'Accepted'));
      void this.followRefer(dlg, m[1]!, String(rq.headers['referred-by'] ?? ''));
      return;
    }
    if (rq.method === 'BYE') this.answered.delete(callId);
    this.stack.send(sip.makeResponse(rq, 200, 'OK'));
  }

  private answer(rq: SipMessage): void {
    const rs = sip.makeResponse(rq, 200, 'OK');
    const tag = rnd();
    rs.headers.to = { ...rq.headers.to, params: { ...rq.headers.to.params, tag } };
    this.answered.set(String(rq.headers['call-id']), { rq, tag, cseq: 0 });
    rs.headers.contact = [{ uri: this.contact }];
    if (rq.headers['record-route']) rs.headers['record-route'] = rq.headers['record-route'];
    if (this.answerWith) {
      rs.headers['content-type'] = 'application/sdp';
      rs.content = this.answerWith(String(rq.content ?? ''));
    }
    this.stack.send(rs);
  }

  /** Hangs up (BYE) a call this phone answered; resolves with the BYE's final status (0: no such call). */
  hangupAnswered(callId: string): Promise<number> {
    const dlg = this.answered.get(callId);
    if (!dlg) return Promise.resolve(0);
    this.answered.delete(callId);
    const inv = dlg.rq;
    const uri = inv.headers.contact?.[0]?.uri;
    if (!uri) return Promise.resolve(0);
    return new Promise((resolve) =>
      this.stack.send(
        {
          method: 'BYE',
          uri,
          headers: {
            to: inv.headers.from,
            from: { ...inv.headers.to, params: { ...inv.headers.to.params, tag: dlg.tag } },
            'call-id': callId,
            cseq: { method: 'BYE', seq: ++dlg.cseq + 1000 },
            route: inv.headers['record-route'] ?? [],
            'max-forwards': 70,
            via: [],
            'content-length': 0,
          },
        },
        (x: SipMessage) => x.status! >= 200 && resolve(x.status!),
      ),
    );
  }

  /** Blind transfer as a phone does it: call the target, then NOTIFY the transferor with the final status. */
  private async followRefer(dlg: { rq: SipMessage; tag: string; cseq: number }, target: string, referredBy: string): Promise<void> {
    const r = await this.call(target, this.referHoldMs, referredBy ? { 'referred-by': referredBy } : {});
    this.referred.push({ target, status: r.status });
    const inv = dlg.rq;
    const notify: SipMessage = {
      method: 'NOTIFY',
      uri: inv.headers.contact?.[0]?.uri,
      headers: {
        to: inv.headers.from,
        from: { ...inv.headers.to, params: { ...inv.headers.to.params, tag: dlg.tag } },
        'call-id': inv.headers['call-id'],
        cseq: { method: 'NOTIFY', seq: ++dlg.cseq + 1000 },
        contact: [{ uri: this.contact }],
        route: inv.headers['record-route'] ?? [],
        event: 'refer',
        'subscription-state': 'terminated;reason=noresource',
        'content-type': 'message/sipfrag;version=2.0',
        'max-forwards': 70,
        via: [],
      },
      content: `SIP/2.0 ${r.status} ${r.reason}\r\n`,
    };
    if (!notify.uri) return;
    this.stack.send(notify, () => {});
  }

  /** CANCELs the INVITE this phone is still waiting on (hop by hop: Kamailio answers it and cancels the branches). */
  cancelLast(): boolean {
    const inv = this.pendingInvite;
    if (!inv) return false;
    this.stack.send(
      {
        method: 'CANCEL',
        uri: inv.uri,
        headers: {
          via: [inv.headers.via[0]],
          to: inv.headers.to,
          from: inv.headers.from,
          'call-id': inv.headers['call-id'],
          cseq: { method: 'CANCEL', seq: inv.headers.cseq.seq },
          route: inv.headers.route,
          'max-forwards': 70,
          'content-length': 0,
        },
      },
      () => {},
    );
    return true;
  }

  /** Answers (200 OK) every INVITE this phone is ringing for in 'ring' mode; returns how many. */
  answerRinging(): number {
    let n = 0;
    for (const [callId, { rq, tag }] of this.ringing) {
      const rs = withToTag(sip.makeResponse(rq, 200, 'OK'), tag);
      rs.headers.contact = [{ uri: this.contact }];
      if (rq.headers['record-route']) rs.headers['record-route'] = rq.headers['record-route'];
      this.stack.send(rs);
      this.ringing.delete(callId);
      n++;
    }
    return n;
  }

  invites(): Received[] {
    return this.received.filter((r) => r.method === 'INVITE');
  }
}

function withToTag(rs: any, tag: string): any {
  rs.headers.to = { ...rs.headers.to, params: { ...rs.headers.to.params, tag } };
  return rs;
}

/** A gateway-side agent (carrier trunk or voicemail server): no registration, answers everything. */
export function gateway(port: number): UA {
  return new UA({ user: 'gw', password: '', domain: '127.0.0.1', port, proxy: '127.0.0.1:5070' }).start();
}

/** The carrier delivering a call to one of the account's numbers: an unauthenticated INVITE from the trunk address. */
export async function inboundCall(trunk: UA, kamailio: string, number: string, caller: string): Promise<{ status: number; reason: string }> {
  const invite: SipMessage = {
    method: 'INVITE',
    uri: `sip:${number}@${kamailio}`,
    headers: {
      to: { uri: `sip:${number}@${kamailio}` },
      from: { uri: `sip:${caller}@carrier.invalid`, params: { tag: rnd() } },
      'call-id': `${rnd()}@carrier`,
      cseq: { method: 'INVITE', seq: 1 },
      contact: [{ uri: `sip:carrier@127.0.0.1:${trunk.o.port}` }],
      'max-forwards': 70,
      'content-length': 0,
    },
  };
  const rs = await trunk.request(invite);
  if (rs.status! < 300) {
    const ack: SipMessage = {
      method: 'ACK',
      uri: rs.headers.contact[0].uri,
      headers: { to: rs.headers.to, from: invite.headers.from, 'call-id': invite.headers['call-id'], cseq: { method: 'ACK', seq: 1 }, route: (rs.headers['record-route'] ?? []).slice().reverse(), 'max-forwards': 70, via: [], 'content-length': 0 },
    };
    trunk.stack.send(ack);
  }
  return { status: rs.status!, reason: rs.reason! };
}
