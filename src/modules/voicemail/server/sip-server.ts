/* eslint-disable @typescript-eslint/no-explicit-any -- wraps the untyped npm `sip` package */
/**
 * The voicemail server's SIP side: a user agent server on the npm `sip` stack (transactions, retransmission of
 * non-2xx). Kamailio relays calls here with `X-Switchboard-Voicemail: deposit|access;mailbox=<ext>;account=<code>
 * [;reason=busy]` (set by Switchboard's routing, stripped from anything a phone sends). Every call gets its own
 * RTP session (rtp.ts) and runs a script (flows.ts); the server hangs up with BYE when the script ends.
 *
 * Only Kamailio may reach it: requests from any address not in `allow` are refused 403, as are INVITEs without
 * Switchboard's header. The 200 OK is retransmitted until the ACK (RFC 3261 13.3.1.4; the `sip` package does
 * not); DTMF by RFC 4733 in RTP, or SIP INFO (application/dtmf-relay, application/dtmf) as the fallback.
 */
import { createRequire } from 'node:module';
import type * as SdpTransform from 'sdp-transform';
import { randomBytes } from 'node:crypto';
import type { Codec } from '../audio.ts';
import type { MailboxInfo, VoicemailBackend } from '../backend.ts';
import { messageSummary } from '../mwi.ts';
import { Channel } from './channel.ts';
import { access, confirmFeature, deposit, DEFAULT_LIMITS, offerCallback, type DepositLimits } from './flows.ts';
import { parseCallbackHeader } from '../../callbacks/rules.ts';
import type { CallbackBackend } from '../../callbacks/service.ts';
import type { Prompts } from './prompts.ts';
import { RtpSession } from './rtp.ts';

const require = createRequire(import.meta.url);
const sip = require('sip');
const sdp = require('sdp-transform') as typeof SdpTransform;

export interface VoicemailServerOptions {
  /** SIP address and port to listen on (UDP). */
  address: string;
  port: number;
  /** Addresses allowed to send requests (Kamailio's). */
  allow: string[];
  /** RTP: address to bind and announce, and the port range. */
  rtpAddress: string;
  rtpPorts: [number, number];
  backend: VoicemailBackend;
  prompts: Prompts;
  limits?: Partial<DepositLimits>;
  maxCalls?: number;
  /** Longest call before the server hangs up (guards against lost BYEs). */
  maxCallMs?: number;
  /** Callback on busy: where offers register requests (absent: the offer's 5 answers 'not available'). */
  callbacks?: CallbackBackend;
  /** Kamailio (host:port): calls the server places (callback on busy) go through it. */
  proxy?: string;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

interface Call {
  id: string;
  invite: any;
  localTag: string;
  rtp: RtpSession;
  ch: Channel;
  acked: boolean;
  ended: boolean;
  cseq: number;
  ok: any;
  retransmit?: NodeJS.Timeout;
}

/** An MWI subscription (RFC 3842 / RFC 6665) held by the server: the dialog to send NOTIFYs in. */
interface Subscription {
  callId: string;
  subscribe: any;
  localTag: string;
  box: MailboxInfo;
  expiresAt: number;
  cseq: number;
}

/** A call the server places (callback on busy): ring `target`, then hand the answering phone over to `referTo`. */
export interface OriginateRequest {
  /** Request-URI: the caller's AoR, sip:<sip username>@<realm>. */
  target: string;
  /** Caller ID shown on the phone: "Callback 102" <sip:102@realm>. */
  fromUser: string;
  fromName: string;
  realm: string;
  /** Where the phone is sent once it answers (REFER): sip:<callee extension>@<realm>. */
  referTo: string;
  ringMs?: number;
}
/**
 * connected: answered and the phone accepted the REFER (its call to the callee was not refused);
 * busy: the phone (or the callee, per the REFER's NOTIFY) was busy; no-answer: not answered in time.
 */
export type OriginateResult = 'connected' | 'busy' | 'no-answer' | 'failed';

export interface VoicemailServer {
  readonly calls: number;
  /** Places a call through Kamailio and transfers it by REFER once answered (callback on busy). */
  originate(o: OriginateRequest): Promise<OriginateResult>;
  /** Active MWI subscriptions. */
  readonly subscriptions: number;
  /**
   * Sends the mailbox's summary to its subscribed phones (in their subscription dialogs); returns how many
   * subscriptions were notified (0: the caller falls back to unsolicited NOTIFY through Kamailio).
   */
  notifyMailbox(accountId: string, userId: string, summary: { newCount: number; savedCount: number }): number;
  /** Resolves when every running call script has finished (for tests and shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /** RTP statistics of finished calls (for the benchmark). */
  readonly finishedStats: { sent: number; received: number; late: number; maxLateMs: number }[];
}

const rnd = () => randomBytes(8).toString('hex');

/**
 * `deposit;mailbox=102;account=acme;reason=busy` → its parts; null if malformed. `access;…;menu=options` (*29 'Update
 * recordings') goes to the mailbox options menu after the PIN instead of the main menu.
 */
export function parseVoicemailHeader(v: unknown): { mode: 'deposit' | 'access'; mailbox: string; account: string; reason: 'busy' | 'unavailable'; menu?: 'options' } | null {
  if (typeof v !== 'string') return null;
  const [mode, ...params] = v.split(';').map((s) => s.trim());
  if (mode !== 'deposit' && mode !== 'access') return null;
  const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
  if (!p.mailbox || !/^\d{1,12}$/.test(p.mailbox) || !p.account || !/^[A-Za-z0-9_-]{1,64}$/.test(p.account)) return null;
  return { mode, mailbox: p.mailbox, account: p.account, reason: p.reason === 'busy' ? 'busy' : 'unavailable', ...(mode === 'access' && p.menu === 'options' && { menu: 'options' as const }) };
}

/** `daynight;mode=night;account=acme;office=<id>` (X-Switchboard-Feature, *28) → its parts; null if malformed. */
export function parseFeatureHeader(v: unknown): { name: 'daynight'; mode: 'day' | 'night'; account: string; office: string } | null {
  if (typeof v !== 'string') return null;
  const [name, ...params] = v.split(';').map((s) => s.trim());
  if (name !== 'daynight') return null;
  const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
  if ((p.mode !== 'day' && p.mode !== 'night') || !p.account || !/^[A-Za-z0-9_-]{1,64}$/.test(p.account) || !p.office || !/^[A-Za-z0-9-]{1,64}$/.test(p.office)) return null;
  return { name, mode: p.mode, account: p.account, office: p.office };
}

/** Caller from P-Asserted-Identity (what Kamailio asserted), else From: `"Anna Lee" <sip:101@realm>` → name + number. */
export function parseCaller(pai: unknown, from: any): { number: string | null; name: string | null } {
  const text = typeof pai === 'string' ? pai : Array.isArray(pai) ? String(pai[0]) : null;
  if (text) {
    const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<?(?:sips?|tel):([^@;>]+)/i.exec(text);
    if (m) return { name: (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').trim() || null, number: decodeURIComponent(m[3]!) };
  }
  const uri = from?.uri ? sip.parseUri(from.uri) : null;
  const name = typeof from?.name === 'string' ? from.name.replace(/^"|"$/g, '').trim() : '';
  return { name: name || null, number: uri?.user ?? null };
}

/** Picks the codec and DTMF payload type from an SDP offer; null when no G.711 is offered. */
export function negotiate(offer: string): { codec: Codec; pt: number; dtmfPt: number | null; address: string; port: number } | null {
  let parsed;
  try {
    parsed = sdp.parse(offer);
  } catch {
    return null;
  }
  const audio = parsed.media?.find((m) => m.type === 'audio' && m.port > 0);
  if (!audio) return null;
  const pts = String(audio.payloads ?? '').split(/\s+/).map(Number);
  const rtpmap = (pt: number) => audio.rtp?.find((r) => r.payload === pt)?.codec?.toUpperCase();
  let chosen: { codec: Codec; pt: number } | null = null;
  for (const pt of pts) {
    const name = rtpmap(pt) ?? (pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined);
    if (name === 'PCMU' || name === 'PCMA') {
      chosen = { codec: name, pt: name === 'PCMU' ? 0 : 8 };
      break;
    }
  }
  if (!chosen) return null;
  const ev = audio.rtp?.find((r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000);
  const address = audio.connection?.ip ?? parsed.connection?.ip ?? '0.0.0.0';
  return { ...chosen, dtmfPt: ev ? ev.payload : null, address, port: audio.port };
}

function answerSdp(rtp: RtpSession, codec: Codec, dtmfPt: number | null): string {
  const pt = codec === 'PCMU' ? 0 : 8;
  const payloads = dtmfPt === null ? `${pt}` : `${pt} ${dtmfPt}`;
  const id = Date.now();
  return [
    'v=0',
    `o=switchboard-vm ${id} ${id} IN IP4 ${rtp.address}`,
    's=Switchboard voicemail',
    `c=IN IP4 ${rtp.address}`,
    't=0 0',
    `m=audio ${rtp.port} RTP/AVP ${payloads}`,
    `a=rtpmap:${pt} ${codec}/8000`,
    ...(dtmfPt === null ? [] : [`a=rtpmap:${dtmfPt} telephone-event/8000`, `a=fmtp:${dtmfPt} 0-15`]),
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export function startVoicemailServer(o: VoicemailServerOptions): Promise<VoicemailServer> {
  const log = o.log ?? (() => {});
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const calls = new Map<string, Call>();
  const running = new Set<Promise<void>>();
  const finishedStats: VoicemailServer['finishedStats'] = [];
  const allow = new Set(o.allow);
  const contact = `sip:voicemail@${o.address}:${o.port}`;
  let stack: any;

  const reply = (rq: any, status: number, reason: string, extra: Record<string, unknown> = {}) => {
    const rs = sip.makeResponse(rq, status, reason);
    Object.assign(rs.headers, extra);
    stack.send(rs);
    return rs;
  };

  const sendBye = (call: Call) => {
    const inv = call.invite;
    const remoteContact = inv.headers.contact?.[0]?.uri;
    if (!remoteContact) return;
    const rq = {
      method: 'BYE',
      uri: remoteContact,
      headers: {
        to: inv.headers.from,
        from: { ...inv.headers.to, params: { ...inv.headers.to.params, tag: call.localTag } },
        'call-id': call.id,
        cseq: { method: 'BYE', seq: ++call.cseq },
        route: inv.headers['record-route'] ?? [],
        via: [],
        'max-forwards': 70,
        'content-length': 0,
      },
    };
    try {
      stack.send(rq, () => {});
    } catch (err) {
      log('voicemail: BYE not sent', { err: String(err) });
    }
  };

  const endCall = (call: Call) => {
    if (call.ended) return;
    call.ended = true;
    if (call.retransmit) clearTimeout(call.retransmit);
    call.ch.hangup();
    finishedStats.push({ ...call.rtp.stats });
    call.rtp.close();
    calls.delete(call.id);
  };

  const onInvite = async (rq: any) => {
    const callId = rq.headers['call-id'];
    const existing = calls.get(callId);
    if (existing) {
      // re-INVITE (hold/resume, session refresh, target refresh): keep the media, answer with our SDP again
      const n = rq.content ? negotiate(rq.content) : null;
      if (n) existing.rtp.setRemote(n.address, n.port);
      const rs = sip.makeResponse(rq, 200, 'OK');
      rs.headers.to = existing.ok.headers.to;
      rs.headers.contact = [{ uri: contact }];
      rs.headers['content-type'] = 'application/sdp';
      rs.content = answerSdp(existing.rtp, existing.rtp.codec, existing.rtp.dtmfPayloadType);
      stack.send(rs);
      return;
    }
    const vm = parseVoicemailHeader(rq.headers['x-switchboard-voicemail']);
    const feature = vm ? null : parseFeatureHeader(rq.headers['x-switchboard-feature']);
    const cbOffer = vm || feature ? null : parseCallbackHeader(rq.headers['x-switchboard-callback']);
    if (!vm && !feature && !cbOffer) return reply(rq, 403, 'Forbidden - not from Switchboard');
    if (calls.size >= (o.maxCalls ?? 500)) return reply(rq, 503, 'Service Unavailable - voicemail is full');
    const offer = rq.content ? negotiate(rq.content) : null;
    if (!offer) return reply(rq, 488, 'Not Acceptable Here - PCMU or PCMA required');
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open(o.rtpAddress, o.rtpPorts[0], o.rtpPorts[1]);
    } catch {
      return reply(rq, 503, 'Service Unavailable - no media port');
    }
    rtp.codec = offer.codec;
    rtp.dtmfPayloadType = offer.dtmfPt;
    rtp.setRemote(offer.address, offer.port);
    const call: Call = { id: callId, invite: rq, localTag: rnd(), rtp, ch: new Channel(rtp), acked: false, ended: false, cseq: 1, ok: null };
    calls.set(callId, call);
    const ok = sip.makeResponse(rq, 200, 'OK');
    ok.headers.to = { ...rq.headers.to, params: { ...rq.headers.to.params, tag: call.localTag } };
    ok.headers.contact = [{ uri: contact }];
    ok.headers['content-type'] = 'application/sdp';
    ok.headers.allow = 'INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, SUBSCRIBE';
    if (rq.headers['record-route']) ok.headers['record-route'] = rq.headers['record-route'];
    ok.content = answerSdp(rtp, offer.codec, offer.dtmfPt);
    call.ok = ok;
    stack.send(ok);
    // retransmit the 2xx until the ACK arrives (T1 doubling, capped at T2, for 32 s)
    const again = (t: number, total: number) => {
      call.retransmit = setTimeout(() => {
        if (call.acked || call.ended) return;
        if (total >= 32_000) {
          log('voicemail: no ACK for 200 OK, hanging up', { callId });
          sendBye(call);
          return endCall(call);
        }
        stack.send(ok);
        again(Math.min(t * 2, 4000), total + t);
      }, t);
    };
    again(500, 0);
    rtp.start();
    const mailboxOf = vm ? { account: vm.account, mailbox: vm.mailbox } : cbOffer?.voicemail ? { account: cbOffer.account, mailbox: cbOffer.callee } : null;
    const box = !mailboxOf
      ? null
      : await o.backend.mailbox(mailboxOf.account, mailboxOf.mailbox).catch((err: unknown) => {
          log('voicemail: mailbox lookup failed', { err: String(err) });
          return null;
        });
    const ctx = { ch: call.ch, prompts: o.prompts, backend: o.backend, log };
    const guard = setTimeout(() => call.ch.hangup(), o.maxCallMs ?? 30 * 60_000);
    const script = (async () => {
      try {
        // a short pause so the caller's side has the media path up before the first word
        await new Promise((r) => setTimeout(r, 200));
        if (cbOffer) {
          const cb = o.callbacks;
          await offerCallback(ctx, {
            callee: cbOffer.callee,
            box,
            caller: parseCaller(rq.headers['p-asserted-identity'], rq.headers.from),
            limits,
            register: async () => (cb ? cb.register(cbOffer.account, cbOffer.caller, cbOffer.callee) : { outcome: 'refused' as const }),
          });
        } else if (!vm) await confirmFeature(ctx, feature!);
        else if (vm.mode === 'deposit') await deposit(ctx, box, parseCaller(rq.headers['p-asserted-identity'], rq.headers.from), vm.reason, limits);
        else await access(ctx, box, `${vm.account}/${vm.mailbox}`, { menu: vm.menu });
      } catch (err) {
        log('voicemail: call script failed', { err: String((err as Error)?.stack ?? err) });
      } finally {
        clearTimeout(guard);
        if (!call.ch.hungUp) {
          sendBye(call);
        }
        endCall(call);
      }
    })();
    running.add(script);
    void script.finally(() => running.delete(script));
  };

  // ---- calls the server places (callback on busy): INVITE through Kamailio, ACK, REFER, BYE ----
  interface OutCall {
    callId: string;
    /** in-dialog requests from the far end (BYE, NOTIFY about the REFER) */
    onRequest(rq: any): void;
  }
  const outCalls = new Map<string, OutCall>();

  const offerSdp = (rtp: RtpSession): string => {
    const id = Date.now();
    return [
      'v=0',
      `o=switchboard-vm ${id} ${id} IN IP4 ${rtp.address}`,
      's=Switchboard callback',
      `c=IN IP4 ${rtp.address}`,
      't=0 0',
      `m=audio ${rtp.port} RTP/AVP 0 8 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  };

  const originate = async (req: OriginateRequest): Promise<OriginateResult> => {
    if (!o.proxy) return 'failed';
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open(o.rtpAddress, o.rtpPorts[0], o.rtpPorts[1]);
    } catch {
      return 'failed';
    }
    const callId = `${rnd()}@switchboard-callback`;
    const from = { name: `"${req.fromName.replace(/["\\\r\n]/g, '')}"`, uri: `sip:${req.fromUser}@${req.realm}`, params: { tag: rnd() } };
    let cseq = 1;
    const invite: any = {
      method: 'INVITE',
      uri: req.target,
      headers: {
        to: { uri: req.target },
        from,
        'call-id': callId,
        cseq: { method: 'INVITE', seq: cseq },
        contact: [{ uri: contact }],
        route: [{ uri: `sip:${o.proxy};lr` }],
        'p-asserted-identity': `${from.name} <${from.uri}>`,
        'content-type': 'application/sdp',
        'max-forwards': 70,
      },
      content: offerSdp(rtp),
    };
    const ch = new Channel(rtp);
    let notified: ((status: number) => void) | null = null;
    let remoteBye = false;
    outCalls.set(callId, {
      callId,
      onRequest(rq) {
        if (rq.method === 'BYE') {
          remoteBye = true;
          ch.hangup();
          reply(rq, 200, 'OK');
        } else if (rq.method === 'NOTIFY') {
          reply(rq, 200, 'OK');
          const m = /^SIP\/2\.0\s+(\d{3})/m.exec(String(rq.content ?? ''));
          const status = m ? Number(m[1]) : 0;
          if (status >= 200 && notified) notified(status);
        } else if (rq.method === 'ACK') {
          // nothing
        } else reply(rq, 200, 'OK');
      },
    });
    let ringTimer: NodeJS.Timeout | undefined;
    try {
      const final = await new Promise<any>((resolve) => {
        stack.send(invite, (rs: any) => {
          if (rs.status >= 200) resolve(rs);
        });
        // not answered in time: CANCEL (hop by hop, same branch as the INVITE)
        ringTimer = setTimeout(() => {
          const via = invite.headers.via?.[0];
          if (!via) return;
          stack.send({ method: 'CANCEL', uri: invite.uri, headers: { via: [via], to: invite.headers.to, from, 'call-id': callId, cseq: { method: 'CANCEL', seq: cseq }, route: invite.headers.route, 'max-forwards': 70, 'content-length': 0 } }, () => {});
        }, req.ringMs ?? 30_000);
      });
      clearTimeout(ringTimer);
      if (final.status >= 300) {
        log('callback: the caller did not take the call', { status: final.status, target: req.target });
        return final.status === 486 || final.status === 600 ? 'busy' : final.status === 487 || final.status === 408 || final.status === 480 ? 'no-answer' : 'failed';
      }
      const routeSet = (final.headers['record-route'] ?? []).slice().reverse();
      const remote = final.headers.contact?.[0]?.uri ?? req.target;
      const inDialog = (method: string, seq: number): any => ({
        method,
        uri: remote,
        headers: { to: final.headers.to, from, 'call-id': callId, cseq: { method, seq }, route: routeSet, contact: [{ uri: contact }], 'max-forwards': 70, via: [], 'content-length': 0 },
      });
      stack.send(inDialog('ACK', final.headers.cseq.seq));
      const n = final.content ? negotiate(final.content) : null;
      if (n) {
        rtp.codec = n.codec;
        rtp.dtmfPayloadType = n.dtmfPt;
        rtp.setRemote(n.address, n.port);
        rtp.start();
        // "please hold while I try that extension", then the hand-over
        await ch.play([o.prompts.get('pls-hold-while-try')], false).catch(() => null);
      }
      if (remoteBye) return 'no-answer';
      const refer = inDialog('REFER', ++cseq);
      // the `sip` package writes Refer-To from an address object (a string would come out as <undefined>)
      refer.headers['refer-to'] = { uri: req.referTo, params: {} };
      refer.headers['referred-by'] = `<${from.uri}>`;
      const finalNotify = new Promise<number>((resolve) => {
        notified = resolve;
        setTimeout(() => resolve(0), 35_000).unref();
      });
      const rr = await new Promise<any>((resolve) => stack.send(refer, (x: any) => x.status >= 200 && resolve(x)));
      let result: OriginateResult;
      if (rr.status >= 300) {
        log('callback: the phone refused the transfer', { status: rr.status });
        result = 'failed';
      } else {
        // the phone reports how its call to the callee went (RFC 3515 NOTIFY, message/sipfrag)
        const st = remoteBye ? 0 : await finalNotify;
        result = st === 0 || (st >= 200 && st < 300) ? 'connected' : st === 486 || st === 600 ? 'busy' : 'connected';
      }
      if (!remoteBye) {
        await new Promise<void>((resolve) => stack.send(inDialog('BYE', ++cseq), (x: any) => x.status >= 200 && resolve()));
      }
      return result;
    } catch (err) {
      log('callback: originate failed', { err: String(err) });
      return 'failed';
    } finally {
      clearTimeout(ringTimer);
      ch.hangup();
      rtp.close();
      outCalls.delete(callId);
    }
  };

  const subs = new Map<string, Subscription>();
  const MAX_EXPIRES = 3600;

  const sendNotify = (sub: Subscription, summary: { newCount: number; savedCount: number } | null, state: 'active' | 'terminated') => {
    const rq0 = sub.subscribe;
    const left = Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000));
    const body = summary ? messageSummary({ extension: sub.box.extension, realm: sub.box.realm, sipUsername: '' }, summary) : '';
    const rq = {
      method: 'NOTIFY',
      uri: rq0.headers.contact?.[0]?.uri,
      headers: {
        to: rq0.headers.from,
        from: { ...rq0.headers.to, params: { ...rq0.headers.to.params, tag: sub.localTag } },
        'call-id': sub.callId,
        cseq: { method: 'NOTIFY', seq: ++sub.cseq },
        route: rq0.headers['record-route'] ?? [],
        contact: [{ uri: contact }],
        event: 'message-summary',
        'subscription-state': state === 'active' ? `active;expires=${left}` : 'terminated;reason=timeout',
        ...(body && { 'content-type': 'application/simple-message-summary' }),
        via: [],
        'max-forwards': 70,
      },
      content: body,
    };
    if (!rq.uri) return;
    try {
      stack.send(rq, (rs: any) => {
        // the phone forgot the subscription (rebooted): drop it
        if (rs.status === 481) subs.delete(sub.callId);
      });
    } catch (err) {
      log('voicemail: MWI NOTIFY not sent', { err: String(err) });
    }
  };

  const onSubscribe = async (rq: any) => {
    const callId = rq.headers['call-id'];
    const requested = Number(rq.headers.expires ?? MAX_EXPIRES);
    const expires = Number.isFinite(requested) ? Math.max(0, Math.min(MAX_EXPIRES, Math.floor(requested))) : MAX_EXPIRES;
    let sub = subs.get(callId);
    if (sub && rq.headers.to?.params?.tag !== sub.localTag) sub = undefined;
    if (!sub) {
      if (rq.headers.to?.params?.tag) return reply(rq, 481, 'Subscription Does Not Exist');
      const m = /user=([A-Za-z0-9._-]+);realm=([A-Za-z0-9.-]+)/.exec(String(rq.headers['x-switchboard-mwi'] ?? ''));
      if (!m) return reply(rq, 403, 'Forbidden - not from Switchboard');
      const box = await o.backend.mailboxBySipUser(m[2]!, m[1]!).catch(() => null);
      if (!box || !box.enabled) return reply(rq, 404, 'Not Found - no mailbox');
      sub = { callId, subscribe: rq, localTag: rnd(), box, expiresAt: 0, cseq: 0 };
      if (expires > 0) subs.set(callId, sub);
    }
    sub.expiresAt = Date.now() + expires * 1000;
    const ok = sip.makeResponse(rq, 200, 'OK');
    ok.headers.to = { ...rq.headers.to, params: { ...rq.headers.to.params, tag: sub.localTag } };
    ok.headers.contact = [{ uri: contact }];
    ok.headers.expires = expires;
    if (rq.headers['record-route']) ok.headers['record-route'] = rq.headers['record-route'];
    stack.send(ok);
    if (expires === 0) {
      subs.delete(callId);
      return sendNotify(sub, null, 'terminated');
    }
    const summary = await o.backend.summary(sub.box.accountId, sub.box.userId).catch(() => null);
    sendNotify(sub, summary ?? { newCount: 0, savedCount: 0 }, 'active');
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, sub] of subs) if (sub.expiresAt <= now) subs.delete(id);
  }, 30_000);
  sweep.unref();

  const onRequest = (rq: any, remote: { address: string; port: number }) => {
    try {
      if (!allow.has(remote.address)) {
        if (rq.method !== 'ACK') reply(rq, 403, 'Forbidden');
        log('SECURITY: voicemail request from a source that is not Kamailio refused', { source: remote.address, method: rq.method });
        return;
      }
      const out = outCalls.get(rq.headers['call-id']);
      if (out) return out.onRequest(rq);
      const call = calls.get(rq.headers['call-id']);
      switch (rq.method) {
        case 'INVITE':
          void onInvite(rq);
          return;
        case 'ACK':
          if (call) call.acked = true;
          return;
        case 'BYE':
          reply(rq, call ? 200 : 481, call ? 'OK' : 'Call/Transaction Does Not Exist');
          if (call) {
            call.acked = true;
            call.ch.hangup();
          }
          return;
        case 'CANCEL':
          reply(rq, call ? 200 : 481, call ? 'OK' : 'Call/Transaction Does Not Exist');
          return;
        case 'INFO': {
          if (!call) return reply(rq, 481, 'Call/Transaction Does Not Exist');
          const body = String(rq.content ?? '');
          const m = /Signal\s*=\s*([0-9*#A-D])/i.exec(body) ?? /^\s*([0-9*#A-D])\s*$/i.exec(body);
          if (m) call.ch.pushDigit(m[1]!.toUpperCase());
          return reply(rq, 200, 'OK');
        }
        case 'SUBSCRIBE':
          if (!/^message-summary/i.test(String(rq.headers.event ?? ''))) return reply(rq, 489, 'Bad Event');
          void onSubscribe(rq).catch((err: unknown) => log('voicemail: SUBSCRIBE failed', { err: String(err) }));
          return;
        case 'OPTIONS':
          return reply(rq, 200, 'OK', { allow: 'INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, SUBSCRIBE' });
        default:
          return reply(rq, 405, 'Method Not Allowed', { allow: 'INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, SUBSCRIBE' });
      }
    } catch (err) {
      log('voicemail: request failed', { err: String(err), method: rq?.method });
    }
  };

  return new Promise((resolve, reject) => {
    try {
      stack = sip.create({ address: o.address, port: o.port, publicAddress: 'localhost', udp: true, tcp: false, logger: {} }, onRequest);
    } catch (err) {
      return reject(err);
    }
    // publicAddress: the `sip` package treats a next hop whose host equals it as its own flow token and drops it,
    // so it must never equal Kamailio's or a phone's address (the test agents do the same)
    setTimeout(
      () =>
        resolve({
          get calls() {
            return calls.size;
          },
          get subscriptions() {
            return subs.size;
          },
          originate,
          notifyMailbox(accountId, userId, summary) {
            let n = 0;
            for (const sub of subs.values()) {
              if (sub.box.accountId !== accountId || sub.box.userId !== userId || sub.expiresAt <= Date.now()) continue;
              sendNotify(sub, summary, 'active');
              n++;
            }
            return n;
          },
          finishedStats,
          async idle() {
            while (running.size) await Promise.all([...running]);
          },
          async stop() {
            for (const call of calls.values()) {
              sendBye(call);
              call.ch.hangup();
            }
            await Promise.race([Promise.all([...running]), new Promise((r) => setTimeout(r, 2000))]);
            clearInterval(sweep);
            stack.destroy();
          },
        }),
      50,
    );
  });
}
