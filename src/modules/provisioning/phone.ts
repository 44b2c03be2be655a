/**
 * The phone-facing side: decides, for one HTTP request from a desk phone, whether it gets its file.
 * Order of checks: rate limit → file name → account (path token or auth user) → address allow-list →
 * HTTP auth → MAC known in that account → file fits the vendor → User-Agent MAC → MAC lock → render.
 * A file name we do not serve is a plain 404: phones ask for many files we have no use for (a Polycom's
 * master file alone makes it ask for sip.ld, <mac>-license.cfg, <mac>-directory.xml, <mac>-phone.cfg …),
 * so it is neither a strike nor a stored refusal (pino debug only). Every other refusal is logged (pino)
 * and stored in provisioning_refusals, except the ordinary first leg of HTTP auth (a 401 challenge to a
 * request that carried no credentials), which every phone goes through.
 */
import { existsSync } from 'node:fs';
import type { Conn } from '../../db/database.ts';
import { RTPENGINE_BIN } from '../sip/rtpengine.ts';
import { newId, nowIso } from '../../shared/ids.ts';
import { catalog, type Catalog } from './catalog.ts';
import { basicChallenge, createNonceIssuer, digestChallenge, parseAuthorization, safeEqual, verifyDigest, type NonceIssuer } from './auth.ts';
import { kindFitsVendor, parseFileName, renderDeviceFile, renderPolycomMaster, renderYealinkCommon } from './render.ts';
import * as repo from './repository.ts';
import { flushProvisioned, pendingProvisioned, recordProvisioned } from './provisioned-log.ts';
import { cidrMatcher, createRateLimiter, normaliseIp, userAgentMismatch, type RateLimiter } from './rules.ts';

export interface PhoneServerOptions {
  /** SIP server phones register with; default the account's SIP realm. */
  sipHost?: string;
  sipPort: number;
  sipTransport: 'udp' | 'tcp' | 'tls';
  /** Kamailio's SIP over TLS port as phones reach it: phones of an account on TLS (sipTransport) use it (default 5061). */
  sipTlsPort?: number;
  /** TLS phones get SRTP on: true when the media relay (rtpengine) is configured, which translates it to plain RTP. */
  srtp?: boolean;
  /** Strikes (unknown MAC, bad token, bad credentials) per address before it is blocked for the window. */
  strikeLimit: number;
  strikeWindowMs: number;
}

export function phoneServerOptions(env: NodeJS.ProcessEnv = process.env): PhoneServerOptions {
  const transport = (env.SIP_SERVER_TRANSPORT ?? 'udp').toLowerCase();
  return {
    sipHost: env.SIP_SERVER_HOST || undefined,
    sipPort: Number(env.SIP_SERVER_PORT ?? 5060) || 5060,
    sipTransport: transport === 'tcp' || transport === 'tls' ? transport : 'udp',
    sipTlsPort: Number(env.SIP_SERVER_TLS_PORT ?? env.SWITCHBOARD_SIP_TLS_PORT ?? 5061) || 5061,
    srtp: srtpFromEnv(env),
    strikeLimit: Number(env.PROVISIONING_STRIKE_LIMIT ?? 10) || 10,
    strikeWindowMs: (Number(env.PROVISIONING_STRIKE_WINDOW_MINUTES ?? 10) || 10) * 60_000,
  };
}

/**
 * SRTP for TLS phones: SIP_SERVER_SRTP=on|off, else on when the media relay is configured the way `sip start`
 * decides it (SWITCHBOARD_RTPENGINE set and not `off`, or unset with rtpengine installed): rtpengine gives the TLS
 * phone's leg SRTP and every other leg plain RTP (docs/media.md). Without the relay nothing could translate.
 */
export function srtpFromEnv(env: NodeJS.ProcessEnv, rtpengineInstalled = existsSync(RTPENGINE_BIN)): boolean {
  const v = env.SIP_SERVER_SRTP?.toLowerCase();
  if (v === 'on' || v === 'off') return v === 'on';
  const relay = env.SWITCHBOARD_RTPENGINE ?? (rtpengineInstalled ? 'start' : 'off');
  return relay !== 'off';
}

export interface PhoneRequest {
  method: string;
  /** The path as the phone sent it (the Digest uri). */
  url: string;
  token?: string;
  file: string;
  ip: string;
  userAgent?: string;
  authorization?: string;
}

export interface PhoneResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** Why it was refused (absent on success, on a plain auth challenge and on a file name not served here). */
  refusal?: string;
}

export interface RefusalLog {
  warn(obj: Record<string, unknown>, msg: string): void;
  debug?(obj: Record<string, unknown>, msg: string): void;
}

/**
 * Refusals that are a guess at a secret (the path token, the credentials, a MAC address): each one is a
 * strike against the source address. Other refusals (policy: allow-list, MAC lock, scheme, User-Agent,
 * wrong vendor's file) reveal nothing to a guesser and are what a misconfigured but honest phone runs
 * into, so they never block an address; their stored rows are capped per address instead.
 */
export const STRIKE_REASONS: ReadonlySet<string> = new Set(['bad_token', 'bad_credentials', 'unknown_mac']);

export interface PhoneServer {
  handle(req: PhoneRequest, log?: RefusalLog): Promise<PhoneResponse>;
  limiter: RateLimiter;
  /** Writes the provisioning log entries still pending (they are batched, see provisioned-log.ts). */
  flush(): Promise<void>;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{16,64}$/;

export function createPhoneServer(conn: Conn, opts: PhoneServerOptions, deps: { catalog?: Catalog; nonces?: NonceIssuer; limiter?: RateLimiter; now?: () => Date } = {}): PhoneServer {
  const cat = deps.catalog ?? catalog();
  const nonces = deps.nonces ?? createNonceIssuer();
  const limiter = deps.limiter ?? createRateLimiter(opts.strikeLimit, opts.strikeWindowMs);
  // stored rows of non-strike refusals: at most strikeLimit per address per window (the rest: pino only)
  const logBudget = createRateLimiter(opts.strikeLimit, opts.strikeWindowMs);
  const clock = deps.now ?? (() => new Date());
  const sip = { host: opts.sipHost, port: opts.sipPort, transport: opts.sipTransport, tlsPort: opts.sipTlsPort ?? 5061, srtp: opts.srtp ?? false };

  /**
   * Every refusal is logged and stored. A guess (STRIKE_REASONS) is also a strike against the address, so
   * no address stores more than strikeLimit of those per window before it gets 429; other refusals are
   * stored up to strikeLimit per address per window, then logged to pino only.
   */
  async function refuse(req: PhoneRequest, log: RefusalLog | undefined, status: number, reason: string, accountId: string | null, mac: string | null, opt: { headers?: Record<string, string | string[]> } = {}): Promise<PhoneResponse> {
    const ip = normaliseIp(req.ip);
    const strike = STRIKE_REASONS.has(reason);
    const crossed = strike && limiter.strike(ip);
    const store = strike || !logBudget.blocked(ip);
    if (!strike && store) logBudget.strike(ip);
    const file = req.file.slice(0, 100);
    log?.warn({ reason, status, ip, file, mac, accountId, userAgent: req.userAgent?.slice(0, 200), ...(!store && { stored: false }) }, 'provisioning request refused');
    if (store) await repo.insertRefusal(conn, { id: newId(), account_id: accountId, at: nowIso(), ip, user_agent: req.userAgent?.slice(0, 200) ?? null, file, mac, reason, status });
    if (crossed) {
      log?.warn({ ip, reason: 'rate_limit_reached' }, 'provisioning: address blocked after repeated refusals');
      await repo.insertRefusal(conn, { id: newId(), account_id: accountId, at: nowIso(), ip, user_agent: req.userAgent?.slice(0, 200) ?? null, file, mac, reason: 'rate_limit_reached', status: 429 });
    }
    const messages: Record<number, string> = { 401: 'authentication required', 403: 'forbidden', 404: 'not found', 429: 'too many requests' };
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...opt.headers }, body: `${messages[status] ?? 'refused'}\n`, refusal: reason };
  }

  function challenge(mode: repo.SettingsRow['auth_mode'] | 'any', stale = false): string[] {
    if (mode === 'basic') return [basicChallenge()];
    if (mode === 'digest') return [digestChallenge(nonces, stale)];
    return [digestChallenge(nonces, stale), basicChallenge()];
  }

  return {
    limiter,
    flush: flushProvisioned,
    async handle(req, log) {
      const ip = normaliseIp(req.ip);
      if (limiter.blocked(ip)) {
        log?.warn({ reason: 'rate_limited', ip, file: req.file.slice(0, 100) }, 'provisioning request refused');
        return { status: 429, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(Math.ceil(opts.strikeWindowMs / 1000)) }, body: 'too many requests\n', refusal: 'rate_limited' };
      }
      const parsed = parseFileName(req.file);
      if (!parsed) {
        // not a file we serve (firmware, licences, directories, the phone's own override files …): no strike, nothing stored
        log?.debug?.({ ip, file: TOKEN_RE.test(req.file) ? '[token?]' : req.file.slice(0, 100) }, 'provisioning: file not served here');
        return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'not found\n' };
      }

      // 1. which account
      const creds = parseAuthorization(req.authorization);
      let row: repo.SettingsRow | undefined;
      if (req.token !== undefined) {
        row = TOKEN_RE.test(req.token) ? await repo.findSettingsByToken(conn, req.token) : undefined;
        if (!row) return refuse(req, log, 404, 'bad_token', null, parsed.mac ?? null);
      } else {
        if (!creds) return { status: 401, headers: { 'www-authenticate': challenge('any'), 'cache-control': 'no-store' }, body: 'authentication required\n' };
        row = await repo.findSettingsByUsername(conn, creds.username);
        if (!row) return refuse(req, log, 401, 'bad_credentials', null, parsed.mac ?? null, { headers: { 'www-authenticate': challenge('any') } });
        if (row.require_token) return refuse(req, log, 404, 'token_required', row.account_id, parsed.mac ?? null);
      }
      const accountId = row.account_id;
      const settings = repo.toSettings(row);

      // 2. where from
      if (!cidrMatcher(settings.allowedCidrs)(ip)) return refuse(req, log, 403, 'ip_not_allowed', accountId, parsed.mac ?? null);

      // 3. who
      if (settings.authMode !== 'none') {
        if (!creds) return { status: 401, headers: { 'www-authenticate': challenge(settings.authMode), 'cache-control': 'no-store' }, body: 'authentication required\n' };
        const allowed = settings.authMode === 'digest_or_basic' || settings.authMode === creds.scheme;
        if (!allowed) return refuse(req, log, 401, 'auth_scheme_not_allowed', accountId, parsed.mac ?? null, { headers: { 'www-authenticate': challenge(settings.authMode) } });
        let ok = false;
        if (creds.scheme === 'basic') ok = safeEqual(creds.username, settings.username) && safeEqual(creds.password, settings.password);
        else if (safeEqual(creds.username, settings.username)) {
          const v = verifyDigest(creds.params, settings.password, req.method === 'HEAD' ? 'GET' : req.method, nonces);
          if (v === 'stale') return { status: 401, headers: { 'www-authenticate': challenge(settings.authMode, true), 'cache-control': 'no-store' }, body: 'authentication required\n' };
          // the uri the phone signed must be the one it asked for
          ok = v === 'ok' && (creds.params.uri === req.url || decodeURIComponent(creds.params.uri ?? '') === decodeURIComponent(req.url));
        }
        if (!ok) return refuse(req, log, 401, 'bad_credentials', accountId, parsed.mac ?? null, { headers: { 'www-authenticate': challenge(settings.authMode) } });
      }

      // 4. account-wide files
      if (parsed.kind === 'yealink-common' || parsed.kind === 'polycom-common') {
        const account = await repo.loadAccount(conn, accountId);
        if (!account) return refuse(req, log, 404, 'unknown_account', accountId, null);
        const file = parsed.kind === 'yealink-common' ? renderYealinkCommon(account, settings.overrides.yealink ?? {}, cat) : renderPolycomMaster('[PHONE_MAC_ADDRESS]');
        return { status: 200, headers: { 'content-type': file.contentType, 'cache-control': 'no-store' }, body: file.body };
      }

      // 5. the handset
      const mac = parsed.mac!;
      const device = await repo.loadDeviceContext(conn, accountId, mac, sip, settings.overrides);
      if (!device) return refuse(req, log, 404, 'unknown_mac', accountId, mac);
      if (!kindFitsVendor(parsed.kind, device.vendor)) return refuse(req, log, 404, 'wrong_vendor_file', accountId, mac);
      if (userAgentMismatch(req.userAgent, mac)) return refuse(req, log, 403, 'user_agent_mismatch', accountId, mac);
      // a binding made by a fetch whose log entry is not written yet counts as written
      const pendingLock = pendingProvisioned(device.id)?.lock;
      if (pendingLock) {
        device.lockedIp = pendingLock.ip;
        if (device.unlockedUntil === pendingLock.seenUnlockedUntil) device.unlockedUntil = null;
      }
      const now = clock();
      const unlocked = !!device.unlockedUntil && device.unlockedUntil > now.toISOString();
      if (settings.macLock && device.lockedIp && device.lockedIp !== ip && !unlocked) return refuse(req, log, 403, 'mac_locked', accountId, mac);

      const file = renderDeviceFile(parsed.kind, device.context, cat);
      const at = now.toISOString();
      const lock = settings.macLock && (!device.lockedIp || unlocked) ? { ip, at } : null;
      // batched: no write on the request path (provisioned-log.ts)
      recordProvisioned(conn, { accountId, deviceId: device.id, at, ip, userAgent: req.userAgent?.slice(0, 200) ?? null, lock: lock && { ...lock, seenUnlockedUntil: device.unlockedUntil } });
      return { status: 200, headers: { 'content-type': file.contentType, 'cache-control': 'no-store' }, body: file.body };
    },
  };
}
