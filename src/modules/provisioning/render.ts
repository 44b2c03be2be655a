/**
 * Renderers: pure functions from a plain ProvisioningContext (and the template catalog) to the text of a
 * file in the vendor's own format. No IO. Settings are merged vendor → model → computed-from-context →
 * account override → device override, so an override always wins.
 */
import type { LineKey } from '../devices/schema.ts';
import type { Catalog, Params, Vendor } from './catalog.ts';
import { formatOffset, zoneRule, type DstTransition, type ZoneRule } from './tz.ts';

export interface HandsetManagement {
  updateSettings: boolean;
  toggleDayNight: boolean;
  updateRecordings: boolean;
  inCallShortcuts: boolean;
}

export interface ProvisioningContext {
  mac: string;
  vendor: Vendor;
  model: string;
  /** The handset's name (follows the user unless set). */
  label: string;
  account: { code: string; name: string; sipRealm: string };
  /** srtp: SRTP (SDES) on — an account on SIP over TLS when the media relay translates it (docs/media.md). */
  sip: { host: string; port: number; transport: 'udp' | 'tcp' | 'tls'; srtp?: boolean };
  /** null = spare handset: no line is registered. */
  user: null | {
    extension: string;
    displayName: string;
    sipUsername: string;
    sipPassword: string;
    voicemailEnabled: boolean;
    /** 'This extension is behind a firewall' → NAT keep-alives (seed 000). */
    behindFirewall: boolean;
    handsetManagement: HandsetManagement;
  };
  /** IANA zone of the user's office (UTC for spares). */
  timezone: string;
  lineKeys: LineKey[];
  overrides: { account: Params; device: Params };
}

export interface RenderedFile {
  body: string;
  contentType: string;
}

/** The files phones ask for at boot, by name. */
export type FileKind =
  | 'mac-cfg' // <mac>.cfg: Yealink per-phone file, or Polycom per-phone master config
  | 'yealink-common' // y0000000000XX.cfg
  | 'polycom-common' // 000000000000.cfg master config
  | 'polycom-phone' // <mac>-switchboard.cfg (the file the master config lists)
  | 'grandstream' // cfg<mac>.xml
  | 'snom' // <mac>.xml or snom<model>-<MAC>.htm
  | 'cisco'; // spa<mac>.xml

export interface ParsedFile {
  kind: FileKind;
  mac?: string;
}

export const POLYCOM_PHONE_SUFFIX = '-switchboard.cfg';

/** Recognises a requested file name; anything else is not ours (404). */
export function parseFileName(name: string): ParsedFile | null {
  const f = name.toLowerCase();
  let m: RegExpExecArray | null;
  if (f === '000000000000.cfg') return { kind: 'polycom-common' };
  if (/^y[0-9]{12}\.cfg$/.test(f)) return { kind: 'yealink-common' };
  if ((m = /^([0-9a-f]{12})\.cfg$/.exec(f))) return { kind: 'mac-cfg', mac: m[1]! };
  if ((m = /^([0-9a-f]{12})-switchboard\.cfg$/.exec(f))) return { kind: 'polycom-phone', mac: m[1]! };
  if ((m = /^cfg([0-9a-f]{12})\.xml$/.exec(f))) return { kind: 'grandstream', mac: m[1]! };
  if ((m = /^spa([0-9a-f]{12})\.xml$/.exec(f))) return { kind: 'cisco', mac: m[1]! };
  if ((m = /^([0-9a-f]{12})\.xml$/.exec(f))) return { kind: 'snom', mac: m[1]! };
  if ((m = /^snom[a-z0-9]+-([0-9a-f]{12})\.htm$/.exec(f))) return { kind: 'snom', mac: m[1]! };
  return null;
}

/** Which vendors may be served a file of this kind (mac-cfg is shared by Yealink and Polycom). */
export function kindFitsVendor(kind: FileKind, vendor: Vendor): boolean {
  switch (kind) {
    case 'mac-cfg':
      return vendor === 'yealink' || vendor === 'polycom';
    case 'yealink-common':
      return vendor === 'yealink';
    case 'polycom-common':
    case 'polycom-phone':
      return vendor === 'polycom';
    default:
      return kind === vendor;
  }
}

// ---------- helpers ----------

/** Values never carry line breaks or control characters: a name cannot inject settings. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const clean = (v: string): string => (CONTROL.test(v) ? v.replace(/[\u0000-\u001f\u007f]/g, ' ') : v);
// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /[&<>"'\u0000-\u001f\u007f]/;
const XML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// eslint-disable-next-line no-control-regex
const xmlEsc = (v: string): string => (XML_SPECIAL.test(v) ? v.replace(/[&<>"'\u0000-\u001f\u007f]/g, (c) => XML_ENTITY[c] ?? ' ') : v);

/** Later layers win; a Map keeps first-seen order and avoids V8's slow path for spreads of many dotted keys. */
function merged(cat: Catalog, ctx: ProvisioningContext, computed: Params): Map<string, string> {
  const v = cat.vendors[ctx.vendor];
  const out = new Map<string, string>();
  for (const layer of [v.template.params, v.models[ctx.model]?.params, computed, ctx.overrides.account, ctx.overrides.device]) {
    if (!layer) continue;
    for (const k in layer) out.set(k, layer[k]!);
  }
  return out;
}

function outboundProxy(ctx: ProvisioningContext): string | null {
  return ctx.sip.host !== ctx.account.sipRealm ? `${ctx.sip.host}:${ctx.sip.port}` : null;
}

interface KeySpec {
  type: LineKey['type'];
  value: string;
  label: string;
}

/** The handset's keys: the configured ones (default: key 1 = line), then the management keys the user may use. */
export function effectiveKeys(ctx: ProvisioningContext, cat: Catalog): KeySpec[] {
  const max = cat.vendors[ctx.vendor].models[ctx.model]?.lineKeys ?? 0;
  const keys: KeySpec[] = (ctx.lineKeys.length ? ctx.lineKeys : ctx.user ? [{ type: 'line' as const }] : []).map((k) => ({
    type: k.type,
    value: k.value ?? '',
    label: k.label ?? (k.type === 'line' ? (ctx.user?.extension ?? '') : (k.value ?? '')),
  }));
  const hm = ctx.user?.handsetManagement;
  if (hm?.toggleDayNight) keys.push({ type: 'speed_dial', value: cat.defaults.featureCodes.dayNight, label: 'Day/Night' });
  if (hm?.updateRecordings) keys.push({ type: 'speed_dial', value: cat.defaults.featureCodes.recordings, label: 'Recordings' });
  return keys.slice(0, max);
}

/**
 * Message waiting (MWI) and the voicemail key, the same on every vendor: with the user's voicemail on, the phone
 * SUBSCRIBEs to message-summary for the user's own AoR (Kamailio relays a phone's message-summary SUBSCRIBE
 * to the voicemail server for the *authenticated* user, whatever the Request-URI names: see the SUBSCRIBE
 * block in deploy/kamailio/kamailio.cfg) and the Messages/Voicemail key dials the access code (777). With
 * voicemail off: no subscription, no light, no voicemail number.
 */
export function mwiSettings(ctx: ProvisioningContext, cat: Catalog): { enabled: boolean; aor: string; accessCode: string } {
  const u = ctx.user;
  const enabled = Boolean(u?.voicemailEnabled);
  return { enabled, aor: u ? `${u.sipUsername}@${ctx.account.sipRealm}` : '', accessCode: enabled ? cat.defaults.voicemailAccessCode : '' };
}

const header = (ctx: ProvisioningContext) => `Switchboard auto-provisioning for ${clean(ctx.label)} (${ctx.vendor} ${ctx.model}, ${ctx.mac}); generated - changes here are overwritten`;

// ---------- Yealink: key = value ----------

/** Yealink's local_time.time_zone form: "+10", "+5:30", "-3:30", "0". */
export function yealinkOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  if (a === 0) return '0';
  return `${sign}${Math.floor(a / 60)}${a % 60 ? `:${a % 60}` : ''}`;
}
/** month/week/weekday(1=Mon..7=Sun)/hour */
const yealinkWeek = (t: DstTransition) => `${t.month}/${t.week}/${t.weekday === 0 ? 7 : t.weekday}/${Math.floor(t.minutes / 60)}`;

function kv(params: Map<string, string> | Params): string {
  let out = '';
  for (const [k, v] of params instanceof Map ? params : Object.entries(params)) out += `${k} = ${clean(v)}\n`;
  return out.slice(0, -1);
}

export function renderYealink(ctx: ProvisioningContext, cat: Catalog): RenderedFile {
  const d = cat.defaults;
  const rule = zoneRule(ctx.timezone);
  const c: Params = {
    'local_time.time_zone': yealinkOffset(rule.stdOffset),
    'local_time.time_zone_name': ctx.timezone,
    'local_time.ntp_server1': d.ntpServer,
    'local_time.summer_time': rule.dst ? '1' : '0',
    ...(rule.dst && {
      'local_time.dst_time_type': '1',
      'local_time.start_time': yealinkWeek(rule.dst.start),
      'local_time.end_time': yealinkWeek(rule.dst.end),
      'local_time.offset_time': String(rule.dst.savings),
    }),
    'auto_provision.repeat.minutes': String(d.resyncIntervalMinutes),
  };
  const u = ctx.user;
  const mwi = mwiSettings(ctx, cat);
  if (u) {
    const proxy = outboundProxy(ctx);
    Object.assign(c, {
      'account.1.enable': '1',
      'account.1.label': u.extension,
      'account.1.display_name': u.displayName,
      'account.1.auth_name': u.sipUsername,
      'account.1.user_name': u.sipUsername,
      'account.1.password': u.sipPassword,
      'account.1.sip_server.1.address': ctx.account.sipRealm,
      'account.1.sip_server.1.port': String(ctx.sip.port),
      'account.1.sip_server.1.transport_type': { udp: '0', tcp: '1', tls: '2' }[ctx.sip.transport],
      'account.1.srtp_encryption': ctx.sip.srtp ? '2' : '0', // 2 = compulsory
      'account.1.sip_server.1.expires': String(d.registrationExpires),
      'account.1.outbound_proxy_enable': proxy ? '1' : '0',
      ...(proxy && { 'account.1.outbound_proxy.1.address': ctx.sip.host, 'account.1.outbound_proxy.1.port': String(ctx.sip.port) }),
      'account.1.nat.udp_update_enable': u.behindFirewall ? '1' : '0',
      'account.1.nat.udp_update_time': String(d.natKeepaliveSeconds),
      'account.1.nat.rport': u.behindFirewall ? '1' : '0',
      // MWI: subscribe for the account's own URI (subscribe_mwi_to_vm = 0: not to the voicemail number)
      'account.1.subscribe_mwi': mwi.enabled ? '1' : '0',
      'account.1.subscribe_mwi_to_vm': '0',
      'account.1.subscribe_mwi_expires': String(d.registrationExpires),
      'account.1.display_mwi.enable': mwi.enabled ? '1' : '0',
      'voice_mail.number.1': mwi.accessCode,
      // call pickup (docs/sip.md "Call pickup"): the Pickup / Group Pickup soft keys dial these codes, and a BLF
      // key of a ringing extension picks it up with the directed code + extension; the picked-up call arrives
      // as an auto-answer INVITE (Call-Info answer-after=0), which intercom.allow lets the phone answer at once
      'features.pickup.group_pickup_enable': '1',
      'features.pickup.group_pickup_code': d.featureCodes.groupPickup,
      'features.pickup.direct_pickup_enable': '1',
      'features.pickup.direct_pickup_code': d.featureCodes.directedPickup,
      'features.pickup.blf_visual_enable': '1',
      'features.intercom.allow': '1',
      'features.intercom.mute': '0',
      // 'Allow management of: Update settings' off → the Menu key is locked (settings need the unlock PIN)
      'phone_setting.phone_lock.enable': u.handsetManagement.updateSettings ? '0' : '1',
      'phone_setting.phone_lock.lock_key_type': '2',
    });
  } else {
    c['account.1.enable'] = '0';
    c['account.1.label'] = 'Spare';
  }
  effectiveKeys(ctx, cat).forEach((k, i) => {
    const n = i + 1;
    c[`linekey.${n}.type`] = { line: '15', blf: '16', speed_dial: '13' }[k.type];
    c[`linekey.${n}.line`] = '1';
    c[`linekey.${n}.value`] = k.value;
    c[`linekey.${n}.label`] = k.label;
  });
  c['phone_setting.lcd_logo.text'] = ctx.label;
  return { body: `#!version:1.0.0.1\n## ${header(ctx)}\n${kv(merged(cat, ctx, c))}\n`, contentType: 'text/plain; charset=utf-8' };
}

/** y0000000000XX.cfg: settings shared by every Yealink of the account (no credentials). */
export function renderYealinkCommon(account: ProvisioningContext['account'], overrides: Params, cat: Catalog): RenderedFile {
  const v = cat.vendors.yealink.template;
  const params: Params = { ...v.params, 'local_time.ntp_server1': cat.defaults.ntpServer, ...overrides };
  return { body: `#!version:1.0.0.1\n## Switchboard common settings for ${clean(account.name)}\n${kv(params)}\n`, contentType: 'text/plain; charset=utf-8' };
}

// ---------- Polycom: XML attributes ----------

function polycomXml(params: Map<string, string>, comment: string): string {
  const groups = new Map<string, string[]>();
  for (const [k, v] of params) {
    const dot = k.indexOf('.');
    const g = dot < 0 ? k : k.slice(0, dot);
    const list = groups.get(g) ?? [];
    list.push(`${k}="${xmlEsc(v)}"`);
    groups.set(g, list);
  }
  const body = [...groups.entries()].map(([g, attrs]) => `  <${g} ${attrs.join(' ')}/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- ${xmlEsc(comment)} -->\n<polycomConfig>\n${body}\n</polycomConfig>\n`;
}

/** The master configuration (000000000000.cfg or <mac>.cfg): lists the file with the phone's settings. */
export function renderPolycomMaster(macOrPlaceholder: string): RenderedFile {
  const files = `${macOrPlaceholder}${POLYCOM_PHONE_SUFFIX}`;
  const body =
    `<?xml version="1.0" standalone="yes"?>\n<!-- Switchboard master configuration -->\n` +
    `<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="${xmlEsc(files)}" MISC_FILES="" LOG_FILE_DIRECTORY="" OVERRIDES_DIRECTORY="" CONTACTS_DIRECTORY="" LICENSE_DIRECTORY="" USER_PROFILES_DIRECTORY="" CALL_LISTS_DIRECTORY="" COEFFS_DIRECTORY=""/>\n`;
  return { body, contentType: 'application/xml; charset=utf-8' };
}

function polycomTransition(prefix: string, t: DstTransition): Params {
  return {
    [`${prefix}.month`]: String(t.month),
    [`${prefix}.date`]: String(t.week === 5 ? 22 : (t.week - 1) * 7 + 1),
    [`${prefix}.dayOfWeek`]: String(t.weekday + 1),
    [`${prefix}.dayOfWeek.lastInMonth`]: t.week === 5 ? '1' : '0',
    [`${prefix}.time`]: String(Math.floor(t.minutes / 60)),
  };
}

export function renderPolycom(ctx: ProvisioningContext, cat: Catalog): RenderedFile {
  const d = cat.defaults;
  const rule = zoneRule(ctx.timezone);
  const c: Params = {
    'tcpIpApp.sntp.address': d.ntpServer,
    'tcpIpApp.sntp.gmtOffset': String(rule.stdOffset * 60),
    'tcpIpApp.sntp.daylightSavings.enable': rule.dst ? '1' : '0',
    ...(rule.dst && {
      'tcpIpApp.sntp.daylightSavings.fixedDayEnable': '0',
      ...polycomTransition('tcpIpApp.sntp.daylightSavings.start', rule.dst.start),
      ...polycomTransition('tcpIpApp.sntp.daylightSavings.stop', rule.dst.end),
    }),
  };
  const u = ctx.user;
  const mwi = mwiSettings(ctx, cat);
  if (u) {
    const proxy = outboundProxy(ctx);
    Object.assign(c, {
      'reg.1.address': u.sipUsername,
      'reg.1.auth.userId': u.sipUsername,
      'reg.1.auth.password': u.sipPassword,
      'reg.1.displayName': u.displayName,
      'reg.1.label': u.extension,
      'reg.1.server.1.address': ctx.account.sipRealm,
      'reg.1.server.1.port': String(ctx.sip.port),
      'reg.1.server.1.transport': { udp: 'UDPOnly', tcp: 'TCPOnly', tls: 'TLS' }[ctx.sip.transport],
      'reg.1.srtp.enable': ctx.sip.srtp ? '1' : '0',
      'reg.1.srtp.offer': ctx.sip.srtp ? '1' : '0',
      'reg.1.srtp.require': ctx.sip.srtp ? '1' : '0',
      'reg.1.server.1.expires': String(d.registrationExpires),
      ...(proxy && { 'reg.1.outboundProxy.address': ctx.sip.host, 'reg.1.outboundProxy.port': String(ctx.sip.port) }),
      // MWI: SUBSCRIBE for the user's own AoR; the Messages key calls the access code
      'msg.mwi.1.subscribe': mwi.enabled ? mwi.aor : '',
      'msg.mwi.1.callBackMode': mwi.enabled ? 'contact' : 'disabled',
      'msg.mwi.1.callBack': mwi.accessCode,
      'up.oneTouchVoiceMail': mwi.enabled ? '1' : '0',
      // call pickup: directed pickup dials ** + extension (a BLF key of a ringing extension too); the picked-up
      // call arrives with Alert-Info info=alert-autoanswer, which this class answers at once
      'call.directedCallPickupMethod': 'legacy',
      'call.directedCallPickupString': d.featureCodes.directedPickup,
      'voIpProt.SIP.alertInfo.1.value': 'alert-autoanswer',
      'voIpProt.SIP.alertInfo.1.class': 'autoAnswer',
      'nat.keepalive.interval': u.behindFirewall ? String(d.natKeepaliveSeconds) : '0',
      // 'Update settings' off → the Basic settings menu asks for a password
      'up.basicSettingsPasswordEnabled': u.handsetManagement.updateSettings ? '0' : '1',
    });
  } else {
    c['reg.1.address'] = '';
    c['reg.1.label'] = 'Spare';
  }
  let blf = 0;
  let efk = 0;
  for (const k of effectiveKeys(ctx, cat)) {
    if (k.type === 'blf') {
      blf++;
      c[`attendant.resourceList.${blf}.address`] = `${k.value}@${ctx.account.sipRealm}`;
      c[`attendant.resourceList.${blf}.label`] = k.label;
      c[`attendant.resourceList.${blf}.type`] = 'normal';
    } else if (k.type === 'speed_dial') {
      efk++;
      c['feature.enhancedFeatureKeys.enabled'] = '1';
      c[`efk.efklist.${efk}.mname`] = `sb${efk}`;
      c[`efk.efklist.${efk}.status`] = '1';
      c[`efk.efklist.${efk}.label`] = k.label;
      c[`efk.efklist.${efk}.action.string`] = `${k.value}$Tinvite$`;
    }
  }
  return { body: polycomXml(merged(cat, ctx, c), header(ctx)), contentType: 'application/xml; charset=utf-8' };
}

// ---------- Grandstream: P-value XML ----------

/** Grandstream's DST rule: "month,day,weekday,hour,minute;month,...;saving" (weekday 1=Mon..7=Sun, day -1 = last). */
export function grandstreamDstRule(rule: ZoneRule): string {
  if (!rule.dst) return '';
  const t = (x: DstTransition) => `${x.month},${x.week === 5 ? -1 : x.week},${x.weekday === 0 ? 7 : x.weekday},${Math.floor(x.minutes / 60)},${x.minutes % 60}`;
  return `${t(rule.dst.start)};${t(rule.dst.end)};${rule.dst.savings}`;
}

export function renderGrandstream(ctx: ProvisioningContext, cat: Catalog): RenderedFile {
  const d = cat.defaults;
  const rule = zoneRule(ctx.timezone);
  const c: Params = {
    // P64: time zone as minutes east of GMT + 720; P75 DST on/off; P246 DST rule
    P64: String(rule.stdOffset + 720),
    P75: rule.dst ? '1' : '0',
    P246: grandstreamDstRule(rule),
    P30: d.ntpServer,
  };
  const u = ctx.user;
  const mwi = mwiSettings(ctx, cat);
  if (u) {
    const proxy = outboundProxy(ctx);
    Object.assign(c, {
      P271: '1', // account 1 active
      P270: u.extension, // account name
      P47: `${ctx.account.sipRealm}:${ctx.sip.port}`, // SIP server
      P48: proxy ?? '', // outbound proxy
      P35: u.sipUsername, // SIP user ID
      P36: u.sipUsername, // authenticate ID
      P34: u.sipPassword, // authenticate password
      P3: u.displayName, // display name
      P33: mwi.accessCode, // voicemail access number
      P99: mwi.enabled ? '1' : '0', // subscribe for MWI (to the account's own URI)
      P130: { udp: '0', tcp: '1', tls: '2' }[ctx.sip.transport], // SIP transport
      P183: ctx.sip.srtp ? '2' : '0', // SRTP mode: 2 = enabled and forced
      P32: String(Math.round(d.registrationExpires / 60)), // register expiration (minutes)
      P52: u.behindFirewall ? '2' : '0', // NAT traversal: 2 = keep-alive
      P84: String(d.natKeepaliveSeconds), // keep-alive interval
    });
  } else c.P271 = '0';
  // Multi-purpose keys 1-7: mode P323+i (0 speed dial, 1 BLF), account P301+3i, name P302+3i, value P303+3i
  effectiveKeys(ctx, cat)
    .filter((k) => k.type !== 'line')
    .slice(0, 7)
    .forEach((k, i) => {
      c[`P${323 + i}`] = k.type === 'blf' ? '1' : '0';
      c[`P${301 + 3 * i}`] = '0';
      c[`P${302 + 3 * i}`] = k.label;
      c[`P${303 + 3 * i}`] = k.value;
    });
  const params = merged(cat, ctx, c);
  const lines = [...params]
    .sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1)))
    .map(([k, v]) => `    <${k}>${xmlEsc(v)}</${k}>`)
    .join('\n');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- ${xmlEsc(header(ctx))} -->\n<gs_provision version="1">\n  <mac>${ctx.mac}</mac>\n  <config version="1">\n${lines}\n  </config>\n</gs_provision>\n`;
  return { body, contentType: 'application/xml; charset=utf-8' };
}

// ---------- Snom: XML settings ----------

/** Snom's dst setting: "<savings s> MM.WW.D HH:MM:SS MM.WW.D HH:MM:SS" (D 1=Mon..7=Sun, WW 05 = last). */
export function snomDst(rule: ZoneRule): string {
  if (!rule.dst) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  const t = (x: DstTransition) => `${p(x.month)}.${p(x.week)}.${x.weekday === 0 ? 7 : x.weekday} ${p(Math.floor(x.minutes / 60))}:${p(x.minutes % 60)}:00`;
  return `${rule.dst.savings * 60} ${t(rule.dst.start)} ${t(rule.dst.end)}`;
}

const SNOM_PROTECTED = /^(user_(name|pname|pass|host|outbound|active)|http_user|http_pass)/;

export function renderSnom(ctx: ProvisioningContext, cat: Catalog): RenderedFile {
  const d = cat.defaults;
  const rule = zoneRule(ctx.timezone);
  const c: Params = {
    ntp_server: d.ntpServer,
    utc_offset: String(rule.stdOffset * 60),
    dst: snomDst(rule),
    'user_idle_text[1]': ctx.label,
  };
  const u = ctx.user;
  const mwi = mwiSettings(ctx, cat);
  if (u) {
    const proxy = outboundProxy(ctx);
    Object.assign(c, {
      'user_active[1]': 'on',
      'user_realname[1]': u.displayName,
      'user_name[1]': u.sipUsername,
      'user_pname[1]': u.sipUsername,
      'user_pass[1]': u.sipPassword,
      'user_host[1]': `${ctx.account.sipRealm}:${ctx.sip.port}${ctx.sip.transport === 'udp' ? '' : `;transport=${ctx.sip.transport}`}`,
      'user_srtp[1]': ctx.sip.srtp ? 'on' : 'off',
      'user_savp[1]': ctx.sip.srtp ? 'mandatory' : 'off',
      'user_outbound[1]': proxy ? `${proxy};transport=${ctx.sip.transport}` : '',
      // the Retrieve key dials the mailbox; an empty mailbox = no MWI subscription for the identity
      'user_mailbox[1]': mwi.accessCode,
      'user_expiry[1]': String(d.registrationExpires),
      keepalive_interval: u.behindFirewall ? String(d.natKeepaliveSeconds) : '0',
    });
  } else c['user_active[1]'] = 'off';
  const params = merged(cat, ctx, c);
  // 'Update settings' → settings are read-write for the user on the phone, else read-only
  const userPerm = u?.handsetManagement.updateSettings ? 'RW' : 'R';
  const settings = [...params]
    .map(([k, v]) => {
      const m = /^([a-z0-9_]+)(?:\[(\d+)\])?$/.exec(k);
      const name = m?.[1] ?? k;
      const idx = m?.[2] ? ` idx="${m[2]}"` : '';
      const perm = SNOM_PROTECTED.test(name) ? 'R' : userPerm;
      return `    <${name}${idx} perm="${perm}">${xmlEsc(v)}</${name}>`;
    })
    .join('\n');
  const fkeys = effectiveKeys(ctx, cat)
    .map((k, i) => {
      const v = k.type === 'line' ? 'line' : k.type === 'blf' ? `blf <sip:${k.value}@${ctx.account.sipRealm}>` : `speed ${k.value}`;
      return `    <fkey idx="${i}" context="active" label="${xmlEsc(k.label)}" perm="R">${xmlEsc(v)}</fkey>`;
    })
    .join('\n');
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<!-- ${xmlEsc(header(ctx))} -->\n<settings>\n  <phone-settings e="2">\n${settings}\n  </phone-settings>\n  <functionKeys e="2">\n${fkeys}\n  </functionKeys>\n</settings>\n`;
  return { body, contentType: 'application/xml; charset=utf-8' };
}

// ---------- Cisco / Linksys SPA: flat-profile XML ----------

/** SPA rule: "start=month/day/weekday/h:m:s;end=...;save=h" (weekday 1=Mon..7=Sun, day -1 = last, else the first day the weekday may fall on). */
export function ciscoDstRule(rule: ZoneRule): string {
  if (!rule.dst) return '';
  const t = (x: DstTransition) =>
    `${x.month}/${x.week === 5 ? -1 : (x.week - 1) * 7 + 1}/${x.weekday === 0 ? 7 : x.weekday}/${Math.floor(x.minutes / 60)}:${x.minutes % 60}:0`;
  const s = rule.dst.savings;
  return `start=${t(rule.dst.start)};end=${t(rule.dst.end)};save=${s % 60 ? formatOffset(s).slice(1) : s / 60}`;
}

const CISCO_SECRET = /^(Password_|User_ID_|Auth_ID_|Proxy_|Outbound_Proxy_|Admin_Passwd|User_Password)/;

export function renderCisco(ctx: ProvisioningContext, cat: Catalog): RenderedFile {
  const d = cat.defaults;
  const rule = zoneRule(ctx.timezone);
  const mwi = mwiSettings(ctx, cat);
  const c: Params = {
    Station_Name: ctx.label,
    Time_Zone: `GMT${formatOffset(rule.stdOffset)}`,
    Daylight_Saving_Time_Enable: rule.dst ? 'Yes' : 'No',
    Daylight_Saving_Time_Rule: ciscoDstRule(rule),
    Primary_NTP_Server: d.ntpServer,
    Voice_Mail_Number: mwi.accessCode,
    // call pickup: the Pickup / GPickup soft keys (directed: the code, then the extension) and answering the
    // picked-up call's auto-answer INVITE (Call-Info answer-after=0) at once
    Call_Pickup_Code: cat.defaults.featureCodes.directedPickup,
    Group_Call_Pickup_Code: cat.defaults.featureCodes.groupPickup,
    Auto_Answer_Page: 'Yes',
  };
  const u = ctx.user;
  if (u) {
    const proxy = outboundProxy(ctx);
    Object.assign(c, {
      Line_Enable_1_: 'Yes',
      Display_Name_1_: u.displayName,
      Short_Name_1_: u.extension,
      User_ID_1_: u.sipUsername,
      Password_1_: u.sipPassword,
      Use_Auth_ID_1_: 'No',
      Proxy_1_: `${ctx.account.sipRealm}:${ctx.sip.port}`,
      Use_Outbound_Proxy_1_: proxy ? 'Yes' : 'No',
      Outbound_Proxy_1_: proxy ?? '',
      SIP_Transport_1_: ctx.sip.transport.toUpperCase(),
      Secure_Call_Setting_1_: ctx.sip.srtp ? 'Yes' : 'No', // SRTP
      Register_Expires_1_: String(d.registrationExpires),
      NAT_Mapping_Enable_1_: u.behindFirewall ? 'Yes' : 'No',
      NAT_Keep_Alive_Enable_1_: u.behindFirewall ? 'Yes' : 'No',
      NAT_Keep_Alive_Intvl: String(d.natKeepaliveSeconds),
      // MWI: SUBSCRIBE sip:<Mailbox_ID>@<Mailbox_Subscribe_URL> = the user's own AoR; empty = no subscription
      Mailbox_ID_1_: mwi.enabled ? u.sipUsername : '',
      Mailbox_Subscribe_URL_1_: mwi.enabled ? `${ctx.account.sipRealm}:${ctx.sip.port}` : '',
      Mailbox_Subscribe_Expires_1_: String(d.registrationExpires),
      Station_Display_Name: u.displayName,
    });
  } else c.Line_Enable_1_ = 'No';
  effectiveKeys(ctx, cat).forEach((k, i) => {
    if (i === 0 && k.type === 'line') return; // key 1 is line 1
    const n = i + 1;
    c[`Extension_${n}_`] = 'Disabled';
    c[`Short_Name_${n}_`] = k.label;
    c[`Extended_Function_${n}_`] = k.type === 'blf' ? `fnc=blf+sd+cp;sub=${k.value}@$PROXY;nme=${k.label}` : k.type === 'speed_dial' ? `fnc=sd;ext=${k.value}@$PROXY;nme=${k.label}` : '';
  });
  const params = merged(cat, ctx, c);
  // user access: credentials hidden ('na'); other settings editable only with 'Update settings'
  const ua = u?.handsetManagement.updateSettings ? 'rw' : 'ro';
  const lines = [...params]
    .map(([k, v]) => `  <${k} ua="${CISCO_SECRET.test(k) ? 'na' : ua}">${xmlEsc(v)}</${k}>`)
    .join('\n');
  return { body: `<flat-profile>\n<!-- ${xmlEsc(header(ctx))} -->\n${lines}\n</flat-profile>\n`, contentType: 'application/xml; charset=utf-8' };
}

/** The per-device file of the handset's vendor for a file kind (common files are rendered separately). */
export function renderDeviceFile(kind: FileKind, ctx: ProvisioningContext, cat: Catalog): RenderedFile {
  switch (kind) {
    case 'mac-cfg':
      return ctx.vendor === 'polycom' ? renderPolycomMaster(ctx.mac) : renderYealink(ctx, cat);
    case 'polycom-phone':
      return renderPolycom(ctx, cat);
    case 'grandstream':
      return renderGrandstream(ctx, cat);
    case 'snom':
      return renderSnom(ctx, cat);
    case 'cisco':
      return renderCisco(ctx, cat);
    default:
      throw new Error(`${kind} is not a per-device file`);
  }
}

/** The name of the main per-device file each vendor fetches (for docs, the admin API and tests). */
export function deviceFileName(vendor: Vendor, mac: string): string {
  switch (vendor) {
    case 'yealink':
      return `${mac}.cfg`;
    case 'polycom':
      return `${mac}${POLYCOM_PHONE_SUFFIX}`;
    case 'grandstream':
      return `cfg${mac}.xml`;
    case 'snom':
      return `${mac}.xml`;
    case 'cisco':
      return `spa${mac}.xml`;
  }
}
