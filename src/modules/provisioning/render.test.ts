import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, loadCatalog, VENDORS } from './catalog.ts';
import {
  ciscoDstRule,
  deviceFileName,
  effectiveKeys,
  grandstreamDstRule,
  kindFitsVendor,
  parseFileName,
  renderCisco,
  renderDeviceFile,
  renderGrandstream,
  renderPolycom,
  renderSnom,
  renderYealink,
  snomDst,
  yealinkOffset,
  type ProvisioningContext,
} from './render.ts';
import { posixTz, zoneRule } from './tz.ts';
import { DIRECTED_PICKUP_PREFIX, PICKUP_CODE } from '../routing/rules.ts';

const cat = catalog();

function ctx(over: Partial<ProvisioningContext> = {}, user: Partial<NonNullable<ProvisioningContext['user']>> = {}): ProvisioningContext {
  return {
    mac: '805ec0123456',
    vendor: 'yealink',
    model: 't46u',
    label: 'Jane Doe (201)',
    account: { code: 'acme', name: 'Acme', sipRealm: 'acme.pbx.example' },
    sip: { host: 'acme.pbx.example', port: 5060, transport: 'udp' },
    user: {
      extension: '201',
      displayName: 'Jane Doe',
      sipUsername: 'u201abc',
      sipPassword: 's3cretPass',
      voicemailEnabled: true,
      behindFirewall: true,
      handsetManagement: { updateSettings: false, toggleDayNight: false, updateRecordings: false, inCallShortcuts: true },
      ...user,
    },
    timezone: 'Australia/Sydney',
    lineKeys: [],
    overrides: { account: {}, device: {} },
    ...over,
  };
}

describe('template catalog', () => {
  it('loads every vendor with at least one model and string params', () => {
    const c = loadCatalog();
    for (const v of VENDORS) {
      assert.ok(Object.keys(c.vendors[v].models).length >= 2, v);
      for (const m of Object.values(c.vendors[v].models)) assert.ok(m.lineKeys > 0 && m.lines > 0, `${v}/${m.model}`);
    }
    assert.equal(c.defaults.voicemailAccessCode, '777');
  });
});

describe('file names', () => {
  it('recognises each vendor’s boot files and nothing else', () => {
    assert.deepEqual(parseFileName('805EC0123456.cfg'), { kind: 'mac-cfg', mac: '805ec0123456' });
    assert.deepEqual(parseFileName('y000000000028.cfg'), { kind: 'yealink-common' });
    assert.deepEqual(parseFileName('000000000000.cfg'), { kind: 'polycom-common' });
    assert.deepEqual(parseFileName('0004f2aabbcc-switchboard.cfg'), { kind: 'polycom-phone', mac: '0004f2aabbcc' });
    assert.deepEqual(parseFileName('cfg000b82aabbcc.xml'), { kind: 'grandstream', mac: '000b82aabbcc' });
    assert.deepEqual(parseFileName('000413AABBCC.xml'), { kind: 'snom', mac: '000413aabbcc' });
    assert.deepEqual(parseFileName('snomD735-000413AABBCC.htm'), { kind: 'snom', mac: '000413aabbcc' });
    assert.deepEqual(parseFileName('spa000e08aabbcc.xml'), { kind: 'cisco', mac: '000e08aabbcc' });
    for (const bad of ['', 'index.html', '../etc/passwd', '805ec012345.cfg', '805ec0123456.cfg.bak', 'cfg805ec0123456']) assert.equal(parseFileName(bad), null, bad);
    for (const v of VENDORS) {
      const p = parseFileName(deviceFileName(v, '805ec0123456'))!;
      assert.ok(kindFitsVendor(p.kind, v), v);
    }
    assert.equal(kindFitsVendor('grandstream', 'yealink'), false);
    assert.equal(kindFitsVendor('mac-cfg', 'snom'), false);
  });
});

describe('time zones from IANA names', () => {
  it('derives offsets and DST rules per hemisphere', () => {
    const syd = zoneRule('Australia/Sydney', 2026);
    assert.equal(syd.stdOffset, 600);
    assert.deepEqual({ m: syd.dst!.start.month, w: syd.dst!.start.week, d: syd.dst!.start.weekday, t: syd.dst!.start.minutes }, { m: 10, w: 1, d: 0, t: 120 });
    assert.deepEqual({ m: syd.dst!.end.month, w: syd.dst!.end.week, t: syd.dst!.end.minutes }, { m: 4, w: 1, t: 180 });
    const ny = zoneRule('America/New_York', 2026);
    assert.equal(ny.stdOffset, -300);
    assert.equal(ny.dst!.start.week, 2);
    assert.equal(ny.dst!.end.month, 11);
    const lon = zoneRule('Europe/London', 2026);
    assert.equal(lon.dst!.start.week, 5, 'last Sunday of March');
    assert.equal(zoneRule('Asia/Kolkata', 2026).dst, null);
    assert.equal(zoneRule('Asia/Kolkata', 2026).stdOffset, 330);
    assert.equal(zoneRule('Not/AZone', 2026).stdOffset, 0);
    assert.equal(posixTz(syd), '<+10>-10<+11>,M10.1.0,M4.1.0/3');
    assert.equal(posixTz(zoneRule('Asia/Kolkata', 2026)), '<+0530>-5:30');
  });

  it('formats the rule in each vendor’s syntax', () => {
    const lon = zoneRule('Europe/London', 2026);
    assert.equal(grandstreamDstRule(lon), '3,-1,7,1,0;10,-1,7,2,0;60');
    assert.equal(snomDst(lon), '3600 03.05.7 01:00:00 10.05.7 02:00:00');
    assert.equal(ciscoDstRule(lon), 'start=3/-1/7/1:0:0;end=10/-1/7/2:0:0;save=1');
    assert.equal(ciscoDstRule(zoneRule('America/New_York', 2026)), 'start=3/8/7/2:0:0;end=11/1/7/2:0:0;save=1');
    assert.equal(yealinkOffset(330), '+5:30');
    assert.equal(yealinkOffset(-210), '-3:30');
    assert.equal(yealinkOffset(0), '0');
  });
});

describe('renderers', () => {
  it('Yealink: credentials, realm, outbound proxy only when the SIP host differs', () => {
    const a = renderYealink(ctx(), cat).body;
    assert.match(a, /^account\.1\.password = s3cretPass$/m);
    assert.match(a, /^account\.1\.outbound_proxy_enable = 0$/m);
    const b = renderYealink(ctx({ sip: { host: 'sbc.example', port: 5080, transport: 'tls' } }), cat).body;
    assert.match(b, /^account\.1\.outbound_proxy\.1\.address = sbc\.example$/m);
    assert.match(b, /^account\.1\.sip_server\.1\.transport_type = 2$/m);
  });

  it('values cannot inject settings: line breaks and markup are neutralised in every format', () => {
    const evil = ctx({ label: 'x\naccount.1.password = owned' }, { displayName: 'Eve\r\naccount.1.sip_server.1.address = evil.example</P3><P34>x' });
    const y = renderYealink(evil, cat).body;
    assert.equal(y.match(/^account\.1\.sip_server\.1\.address = /gm)!.length, 1);
    assert.doesNotMatch(y, /^account\.1\.password = owned/m);
    for (const vendor of ['grandstream', 'snom', 'cisco', 'polycom'] as const) {
      const model = Object.keys(cat.vendors[vendor].models)[0]!;
      const body = renderDeviceFile(vendor === 'polycom' ? 'polycom-phone' : vendor, { ...evil, vendor, model }, cat).body;
      assert.doesNotMatch(body, /<P34>x/, vendor);
      assert.doesNotMatch(body, /evil\.example<\//, vendor);
      assert.match(body, /&lt;\/P3&gt;/, vendor);
    }
  });

  it('a spare handset carries no credentials in any format', () => {
    for (const vendor of VENDORS) {
      const model = Object.keys(cat.vendors[vendor].models)[0]!;
      const kind = vendor === 'yealink' ? 'mac-cfg' : vendor === 'polycom' ? 'polycom-phone' : vendor;
      const body = renderDeviceFile(kind, { ...ctx({ vendor, model }), user: null, label: 'Spare handset' }, cat).body;
      assert.doesNotMatch(body, /s3cretPass|u201abc/, vendor);
    }
  });

  it('handset management: Update settings, Day/Night and Recordings keys', () => {
    const locked = renderYealink(ctx(), cat).body;
    assert.match(locked, /^phone_setting\.phone_lock\.enable = 1$/m);
    const open = ctx({}, { handsetManagement: { updateSettings: true, toggleDayNight: true, updateRecordings: true, inCallShortcuts: true } });
    assert.match(renderYealink(open, cat).body, /^phone_setting\.phone_lock\.enable = 0$/m);
    const keys = effectiveKeys(open, cat);
    assert.deepEqual(keys.map((k) => k.value), ['', '*28', '*29']);
    assert.match(renderPolycom({ ...open, vendor: 'polycom', model: 'vvx411' }, cat).body, /up\.basicSettingsPasswordEnabled="0"/);
    assert.match(renderSnom({ ...open, vendor: 'snom', model: 'd735' }, cat).body, /<utc_offset perm="RW">/);
    assert.match(renderCisco({ ...open, vendor: 'cisco', model: 'spa504g' }, cat).body, /<Time_Zone ua="rw">/);
    assert.match(renderCisco({ ...open, vendor: 'cisco', model: 'spa504g' }, cat).body, /<Password_1_ ua="na">/);
    // keys never exceed what the model has
    const small = effectiveKeys({ ...open, model: 't31g', lineKeys: [{ type: 'line' }, { type: 'blf', value: '202' }] }, cat);
    assert.equal(small.length, 2);
  });

  it("MWI: every vendor subscribes for the user's own AoR and dials 777 — and none does with voicemail off", () => {
    const aor = 'u201abc@acme.pbx.example';
    const on = {
      yealink: renderYealink(ctx(), cat).body,
      polycom: renderPolycom(ctx({ vendor: 'polycom', model: 'vvx411' }), cat).body,
      grandstream: renderGrandstream(ctx({ vendor: 'grandstream', model: 'gxp2170' }), cat).body,
      snom: renderSnom(ctx({ vendor: 'snom', model: 'd735' }), cat).body,
      cisco: renderCisco(ctx({ vendor: 'cisco', model: 'spa504g' }), cat).body,
    };
    assert.match(on.yealink, /^account\.1\.subscribe_mwi = 1$/m);
    assert.match(on.yealink, /^account\.1\.subscribe_mwi_to_vm = 0$/m);
    assert.match(on.yealink, /^voice_mail\.number\.1 = 777$/m);
    assert.match(on.polycom, new RegExp(`msg\\.mwi\\.1\\.subscribe="${aor}"`));
    assert.match(on.polycom, /msg\.mwi\.1\.callBackMode="contact" msg\.mwi\.1\.callBack="777"/);
    assert.match(on.grandstream, /<P99>1<\/P99>/);
    assert.match(on.grandstream, /<P33>777<\/P33>/);
    assert.match(on.snom, /<user_mailbox idx="1" perm="R">777<\/user_mailbox>/);
    assert.match(on.cisco, /<Mailbox_ID_1_ ua="ro">u201abc<\/Mailbox_ID_1_>/);
    assert.match(on.cisco, /<Mailbox_Subscribe_URL_1_ ua="ro">acme\.pbx\.example:5060<\/Mailbox_Subscribe_URL_1_>/);
    assert.match(on.cisco, /<Voice_Mail_Number ua="ro">777<\/Voice_Mail_Number>/);

    const off = { voicemailEnabled: false };
    const y = renderYealink(ctx({}, off), cat).body;
    assert.match(y, /^account\.1\.subscribe_mwi = 0$/m);
    assert.match(y, /^voice_mail\.number\.1 = $/m);
    const p = renderPolycom(ctx({ vendor: 'polycom', model: 'vvx411' }, off), cat).body;
    assert.match(p, /msg\.mwi\.1\.subscribe="" msg\.mwi\.1\.callBackMode="disabled" msg\.mwi\.1\.callBack=""/);
    const g = renderGrandstream(ctx({ vendor: 'grandstream', model: 'gxp2170' }, off), cat).body;
    assert.match(g, /<P99>0<\/P99>/);
    assert.match(g, /<P33><\/P33>/);
    assert.match(renderSnom(ctx({ vendor: 'snom', model: 'd735' }, off), cat).body, /<user_mailbox idx="1" perm="R"><\/user_mailbox>/);
    const c = renderCisco(ctx({ vendor: 'cisco', model: 'spa504g' }, off), cat).body;
    assert.match(c, /<Mailbox_ID_1_ ua="ro"><\/Mailbox_ID_1_>/);
    assert.match(c, /<Voice_Mail_Number ua="ro"><\/Voice_Mail_Number>/);
    // A spare handset has no mailbox at all.
    assert.doesNotMatch(renderYealink(ctx({ user: null }), cat).body, /voice_mail\.number\.1 = 777|subscribe_mwi = 1/);
  });

  it('call pickup (seeds 000/001): the pickup codes match routing (*8, ** + extension) and the phone answers the picked-up call at once', () => {
    assert.equal(cat.defaults.featureCodes.groupPickup, PICKUP_CODE);
    assert.equal(cat.defaults.featureCodes.directedPickup, DIRECTED_PICKUP_PREFIX);
    const y = renderYealink(ctx(), cat).body;
    assert.match(y, /^features\.pickup\.group_pickup_enable = 1$/m);
    assert.match(y, /^features\.pickup\.group_pickup_code = \*8$/m);
    assert.match(y, /^features\.pickup\.direct_pickup_enable = 1$/m);
    assert.match(y, /^features\.pickup\.direct_pickup_code = \*\*$/m);
    assert.match(y, /^features\.intercom\.allow = 1$/m);
    const p = renderPolycom(ctx({ vendor: 'polycom', model: 'vvx411' }), cat).body;
    assert.match(p, /call\.directedCallPickupString="\*\*"/);
    assert.match(p, /voIpProt\.SIP\.alertInfo\.1\.value="alert-autoanswer" voIpProt\.SIP\.alertInfo\.1\.class="autoAnswer"/);
    const c = renderCisco(ctx({ vendor: 'cisco', model: 'spa504g' }), cat).body;
    assert.match(c, /<Call_Pickup_Code ua="ro">\*\*<\/Call_Pickup_Code>/);
    assert.match(c, /<Group_Call_Pickup_Code ua="ro">\*8<\/Group_Call_Pickup_Code>/);
    assert.match(c, /<Auto_Answer_Page ua="ro">Yes<\/Auto_Answer_Page>/);
    // a spare handset has no line to pick up with
    assert.doesNotMatch(renderYealink(ctx({ user: null }), cat).body, /features\.pickup/);
  });

  it('behind a firewall → NAT keep-alive settings (seed 000)', () => {
    assert.match(renderYealink(ctx(), cat).body, /^account\.1\.nat\.udp_update_enable = 1$/m);
    assert.match(renderYealink(ctx({}, { behindFirewall: false }), cat).body, /^account\.1\.nat\.udp_update_enable = 0$/m);
    assert.match(renderGrandstream({ ...ctx(), vendor: 'grandstream', model: 'gxp2170' }, cat).body, /<P52>2<\/P52>/);
  });

  it('merge order: vendor → model → computed → account → device', () => {
    const c = ctx({ overrides: { account: { 'phone_setting.backlight_time': '30', 'account.1.sip_server.1.expires': '600' }, device: { 'account.1.sip_server.1.expires': '120' } } });
    const body = renderYealink(c, cat).body;
    assert.match(body, /^phone_setting\.backlight_time = 30$/m);
    assert.match(body, /^account\.1\.sip_server\.1\.expires = 120$/m);
    assert.match(body, /^auto_provision\.repeat\.enable = 1$/m);
  });

  it('renders a file in well under a millisecond', () => {
    const c = ctx({ lineKeys: [{ type: 'line' }, { type: 'blf', value: '202' }] });
    for (let i = 0; i < 200; i++) renderYealink(c, cat);
    const n = 2000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) renderYealink(c, cat);
    const perRender = Number(process.hrtime.bigint() - t0) / n / 1e6;
    assert.ok(perRender < 1, `${perRender} ms per render`);
  });
});

describe('BLF keys subscribe to <extension>@<account realm> (what Kamailio publishes busy lamps for, docs/sip.md)', () => {
  const keys: ProvisioningContext['lineKeys'] = [{ type: 'line' }, { type: 'blf', value: '202', label: 'Bob' }];
  const render = (vendor: (typeof VENDORS)[number], fn: (c: ProvisioningContext, k: typeof cat) => { body: string }) =>
    fn(ctx({ vendor, model: Object.keys(cat.vendors[vendor].models)[0]!, lineKeys: keys }), cat).body;

  it('Yealink: a BLF line key whose value is the extension, on account 1 whose server is the realm', () => {
    const body = render('yealink', renderYealink);
    assert.match(body, /^linekey\.2\.type = 16$/m);
    assert.match(body, /^linekey\.2\.value = 202$/m);
    assert.match(body, /^linekey\.2\.line = 1$/m);
    assert.match(body, /^account\.1\.sip_server\.1\.address = acme\.pbx\.example$/m);
  });
  it('Polycom: the attendant resource list names 202@realm', () => {
    assert.match(render('polycom', renderPolycom), /attendant\.resourceList\.1\.address="202@acme\.pbx\.example"/);
  });
  it('Grandstream: MPK 1 in BLF mode on account 1, value the extension, SIP server the realm', () => {
    const body = render('grandstream', renderGrandstream);
    assert.match(body, /<P323>1<\/P323>/);
    assert.match(body, /<P301>0<\/P301>/);
    assert.match(body, /<P303>202<\/P303>/);
    assert.match(body, /<P47>acme\.pbx\.example:5060<\/P47>/);
  });
  it('Snom: blf <sip:202@realm>', () => {
    assert.match(render('snom', renderSnom), /blf &lt;sip:202@acme\.pbx\.example&gt;/);
  });
  it('Cisco: sub=202@$PROXY, the line proxy being the realm', () => {
    const body = render('cisco', renderCisco);
    assert.match(body, /fnc=blf\+sd\+cp;sub=202@\$PROXY;nme=Bob/);
    assert.match(body, /<Proxy_1_ [^>]*>acme\.pbx\.example:5060<\/Proxy_1_>/);
  });
});

describe('SIP over TLS and SRTP (an account with sipTransport tls, docs/sip.md)', () => {
  const tls = { host: 'acme.pbx.example', port: 5061, transport: 'tls' as const, srtp: true };
  const udp = { host: 'acme.pbx.example', port: 5060, transport: 'udp' as const, srtp: false };
  const files = (sip: ProvisioningContext['sip']) => ({
    yealink: renderYealink(ctx({ sip }), cat).body,
    polycom: renderPolycom(ctx({ sip, vendor: 'polycom', model: 'vvx411' }), cat).body,
    grandstream: renderGrandstream(ctx({ sip, vendor: 'grandstream', model: 'gxp2170' }), cat).body,
    snom: renderSnom(ctx({ sip, vendor: 'snom', model: 'd735' }), cat).body,
    cisco: renderCisco(ctx({ sip, vendor: 'cisco', model: 'spa504g' }), cat).body,
  });

  it('every vendor registers over TLS to the TLS port with SRTP required', () => {
    const f = files(tls);
    assert.match(f.yealink, /^account\.1\.sip_server\.1\.transport_type = 2$/m);
    assert.match(f.yealink, /^account\.1\.sip_server\.1\.port = 5061$/m);
    assert.match(f.yealink, /^account\.1\.srtp_encryption = 2$/m);
    assert.match(f.polycom, /reg\.1\.server\.1\.transport="TLS"/);
    assert.match(f.polycom, /reg\.1\.server\.1\.port="5061"/);
    assert.match(f.polycom, /reg\.1\.srtp\.enable="1" reg\.1\.srtp\.offer="1" reg\.1\.srtp\.require="1"/);
    assert.match(f.grandstream, /<P130>2<\/P130>/);
    assert.match(f.grandstream, /<P47>acme\.pbx\.example:5061<\/P47>/);
    assert.match(f.grandstream, /<P183>2<\/P183>/);
    assert.match(f.snom, /<user_host idx="1"[^>]*>acme\.pbx\.example:5061;transport=tls<\/user_host>/);
    assert.match(f.snom, /<user_srtp idx="1"[^>]*>on<\/user_srtp>/);
    assert.match(f.snom, /<user_savp idx="1"[^>]*>mandatory<\/user_savp>/);
    assert.match(f.cisco, /<SIP_Transport_1_ [^>]*>TLS<\/SIP_Transport_1_>/);
    assert.match(f.cisco, /<Proxy_1_ [^>]*>acme\.pbx\.example:5061<\/Proxy_1_>/);
    assert.match(f.cisco, /<Secure_Call_Setting_1_ [^>]*>Yes<\/Secure_Call_Setting_1_>/);
  });

  it('TLS without the media relay: TLS signalling, SRTP off (nothing would translate it for the other legs)', () => {
    const f = files({ ...tls, srtp: false });
    assert.match(f.yealink, /^account\.1\.sip_server\.1\.transport_type = 2$/m);
    assert.match(f.yealink, /^account\.1\.srtp_encryption = 0$/m);
    assert.match(f.grandstream, /<P183>0<\/P183>/);
    assert.match(f.cisco, /<Secure_Call_Setting_1_ [^>]*>No<\/Secure_Call_Setting_1_>/);
  });

  it('UDP (the default): UDP to the SIP port and SRTP explicitly off, so a phone moved back from TLS drops it', () => {
    const f = files(udp);
    assert.match(f.yealink, /^account\.1\.sip_server\.1\.transport_type = 0$/m);
    assert.match(f.yealink, /^account\.1\.srtp_encryption = 0$/m);
    assert.match(f.polycom, /reg\.1\.server\.1\.transport="UDPOnly"/);
    assert.match(f.polycom, /reg\.1\.srtp\.enable="0"/);
    assert.match(f.grandstream, /<P130>0<\/P130>/);
    assert.match(f.grandstream, /<P183>0<\/P183>/);
    assert.match(f.snom, /<user_host idx="1"[^>]*>acme\.pbx\.example:5060<\/user_host>/);
    assert.match(f.snom, /<user_srtp idx="1"[^>]*>off<\/user_srtp>/);
    assert.match(f.cisco, /<SIP_Transport_1_ [^>]*>UDP<\/SIP_Transport_1_>/);
    assert.match(f.cisco, /<Secure_Call_Setting_1_ [^>]*>No<\/Secure_Call_Setting_1_>/);
  });
});
