import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeKinds } from '../../../test/support/stores.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { asUser, makeTenant, testUserAuthenticator, type Tenant } from '../../../test/support/devices.ts';
import { parseKv, phoneGet, rawGet, xmlAttribute, xmlElement } from '../../../test/support/phone.ts';
import { basicAuthorization } from './auth.ts';

interface Phone {
  userId: string;
  extension: string;
  sipUsername: string;
  sipPassword: string;
  deviceId: string;
  mac: string;
}

for (const { kind, skip } of await storeKinds()) {
  describe(`provisioning server over HTTP (${kind})`, { skip }, () => {
    let s: TestServer;
    let t: Tenant;
    let other: Tenant;
    let prov: { username: string; password: string; pathToken: string };
    const phones: Record<string, Phone> = {};
    const path = (file: string, token = prov.pathToken) => `/prov/${token}/${file}`;
    const digest = () => ({ auth: 'digest' as const, username: prov.username, password: prov.password });
    const basic = () => ({ auth: 'basic' as const, username: prov.username, password: prov.password });
    const refusals = async () => (await s.api('GET', `/api/v1/accounts/${t.code}/provisioning/refusals?limit=500`)).body.items as Array<{ reason: string; ip: string; mac: string | null; status: number; file: string }>;

    async function addPhone(key: string, firstName: string, mac: string, model: string, extra: object = {}) {
      const u = await s.api('POST', `/api/v1/accounts/${t.code}/users`, { firstName, lastName: 'Phone', officeId: t.offices.main, ...extra });
      assert.equal(u.status, 201, u.text);
      const d = await s.api('POST', `/api/v1/accounts/${t.code}/devices`, { mac, model, userId: u.body.id, lineKeys: [{ type: 'line' }, { type: 'blf', value: t.extensions.basic, label: 'Bea' }] });
      assert.equal(d.status, 201, d.text);
      phones[key] = { userId: u.body.id, extension: u.body.extension, sipUsername: u.body.sipUsername, sipPassword: u.body.sipPassword, deviceId: d.body.id, mac: d.body.mac };
    }

    before(async () => {
      s = await startTestServer(kind, {
        authenticators: [testUserAuthenticator(() => s.store.database.db)],
        provisioning: { sipHost: 'sip.switchboard.example', sipPort: 5080, sipTlsPort: 5081, srtp: true, strikeLimit: 4 },
      });
      t = await makeTenant(s, 'acme');
      other = await makeTenant(s, 'globex');
      const p = await s.api('GET', `/api/v1/accounts/${t.code}/provisioning`);
      assert.equal(p.status, 200, p.text);
      prov = p.body;
      // phones authenticate the way they are configured to: Digest for some vendors, Basic for others
      assert.equal((await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { authMode: 'digest_or_basic' })).status, 200);
      await addPhone('yealink', 'Yuki', '80:5e:c0:11:22:33', 't46u', { security: { handsetManagement: { updateSettings: false, toggleDayNight: true } } });
      await addPhone('polycom', 'Polly', '00:04:f2:11:22:33', 'vvx411');
      await addPhone('grandstream', 'Grant', '00:0b:82:11:22:33', 'gxp2170');
      await addPhone('snom', 'Snow', '00:04:13:11:22:33', 'd735', { security: { handsetManagement: { updateSettings: true } } });
      await addPhone('cisco', 'Cisco', '00:0e:08:11:22:33', 'spa504g', { behindFirewall: false });
    });
    after(() => s?.close());

    it('admin API: credentials and token come from a CSPRNG and differ per account', async () => {
      assert.match(prov.pathToken, /^[A-Za-z0-9_-]{32}$/);
      assert.ok(prov.password.length >= 24);
      const theirs = (await s.api('GET', `/api/v1/accounts/${other.code}/provisioning`)).body;
      assert.notEqual(theirs.pathToken, prov.pathToken);
      assert.notEqual(theirs.username, prov.username);
      assert.notEqual(theirs.password, prov.password);
    });

    it('Yealink: <mac>.cfg over Digest with account.1.* keys, 777, office timezone, NAT keep-alive, lock, keys', async () => {
      const y = phones.yealink!;
      const r = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { ...digest(), userAgent: 'Yealink SIP-T46U 108.86.0.20 80:5e:c0:11:22:33' });
      assert.equal(r.status, 200, r.body);
      assert.ok(r.challenged, 'the first request was challenged');
      assert.match(r.body, /^#!version:1\.0\.0\.1\n/);
      const kv = parseKv(r.body);
      assert.equal(kv['account.1.enable'], '1');
      assert.equal(kv['account.1.user_name'], y.sipUsername);
      assert.equal(kv['account.1.auth_name'], y.sipUsername);
      assert.equal(kv['account.1.password'], y.sipPassword);
      assert.equal(kv['account.1.display_name'], 'Yuki Phone');
      assert.equal(kv['account.1.label'], y.extension);
      assert.equal(kv['account.1.sip_server.1.address'], t.realm);
      assert.equal(kv['account.1.sip_server.1.port'], '5080');
      assert.equal(kv['account.1.outbound_proxy_enable'], '1');
      assert.equal(kv['account.1.outbound_proxy.1.address'], 'sip.switchboard.example');
      assert.equal(kv['voice_mail.number.1'], '777');
      assert.equal(kv['account.1.subscribe_mwi'], '1', 'MWI subscription on');
      assert.equal(kv['account.1.subscribe_mwi_to_vm'], '0', "for the account's own URI, not the voicemail number");
      assert.equal(kv['account.1.display_mwi.enable'], '1');
      assert.equal(kv['local_time.time_zone'], '+10');
      assert.equal(kv['local_time.summer_time'], '1');
      assert.equal(kv['local_time.start_time'], '10/1/7/2');
      assert.equal(kv['local_time.end_time'], '4/1/7/3');
      assert.equal(kv['account.1.nat.udp_update_enable'], '1');
      assert.equal(kv['phone_setting.phone_lock.enable'], '1', 'Update settings not allowed → menu locked');
      assert.equal(kv['linekey.2.type'], '16');
      assert.equal(kv['linekey.2.value'], t.extensions.basic);
      assert.equal(kv['linekey.3.value'], '*28', 'Toggle Day/Night allowed → a key for it');
      const dev = await s.api('GET', `/api/v1/accounts/${t.code}/devices/${y.deviceId}`);
      assert.equal(dev.body.lastProvisioned.ip, '127.0.0.1');
      assert.match(dev.body.lastProvisioned.userAgent, /Yealink SIP-T46U/);
      assert.ok(dev.body.lastProvisioned.at);
      assert.equal(dev.body.lock.lockedIp, '127.0.0.1');
    });

    it('Yealink common y0000000000XX.cfg and Polycom 000000000000.cfg carry no credentials', async () => {
      const y = await phoneGet(s.baseUrl, path('y000000000108.cfg'), digest());
      assert.equal(y.status, 200);
      assert.match(y.body, /^#!version:1\.0\.0\.1/);
      assert.doesNotMatch(y.body, /password|account\.1\./);
      const p = await phoneGet(s.baseUrl, path('000000000000.cfg'), digest());
      assert.equal(p.status, 200);
      assert.equal(xmlAttribute(p.body, 'CONFIG_FILES'), '[PHONE_MAC_ADDRESS]-switchboard.cfg');
    });

    it('Polycom: <mac>.cfg master lists the phone file; reg.1.* keys, MWI callback 777, SNTP offset', async () => {
      const ph = phones.polycom!;
      const master = await phoneGet(s.baseUrl, path(`${ph.mac}.cfg`), { ...digest(), userAgent: 'FileTransport PolycomVVX-VVX_411-UA/6.4.3.5018' });
      assert.equal(master.status, 200, master.body);
      const listed = xmlAttribute(master.body, 'CONFIG_FILES')!;
      assert.equal(listed, `${ph.mac}-switchboard.cfg`);
      const r = await phoneGet(s.baseUrl, path(listed), digest());
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /<polycomConfig>/);
      assert.equal(xmlAttribute(r.body, 'reg.1.auth.userId'), ph.sipUsername);
      assert.equal(xmlAttribute(r.body, 'reg.1.auth.password'), ph.sipPassword);
      assert.equal(xmlAttribute(r.body, 'reg.1.displayName'), 'Polly Phone');
      assert.equal(xmlAttribute(r.body, 'reg.1.server.1.address'), t.realm);
      assert.equal(xmlAttribute(r.body, 'reg.1.outboundProxy.address'), 'sip.switchboard.example');
      assert.equal(xmlAttribute(r.body, 'msg.mwi.1.callBack'), '777');
      assert.equal(xmlAttribute(r.body, 'msg.mwi.1.callBackMode'), 'contact');
      assert.equal(xmlAttribute(r.body, 'msg.mwi.1.subscribe'), `${ph.sipUsername}@${t.realm}`, "MWI SUBSCRIBE for the user's own AoR");
      assert.equal(xmlAttribute(r.body, 'up.oneTouchVoiceMail'), '1');
      assert.equal(xmlAttribute(r.body, 'tcpIpApp.sntp.gmtOffset'), '36000');
      assert.equal(xmlAttribute(r.body, 'tcpIpApp.sntp.daylightSavings.start.month'), '10');
      assert.equal(xmlAttribute(r.body, 'up.basicSettingsPasswordEnabled'), '1');
      assert.equal(xmlAttribute(r.body, 'attendant.resourceList.1.address'), `${t.extensions.basic}@${t.realm}`);
    });

    it('Grandstream: cfg<mac>.xml over Basic with P-values', async () => {
      const g = phones.grandstream!;
      const r = await phoneGet(s.baseUrl, path(`cfg${g.mac}.xml`), { ...basic(), userAgent: `Grandstream Model HW GXP2170 SW 1.0.11.23 DevId ${g.mac}` });
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /<gs_provision version="1">/);
      assert.equal(xmlElement(r.body, 'mac'), g.mac);
      assert.equal(xmlElement(r.body, 'P271'), '1');
      assert.equal(xmlElement(r.body, 'P35'), g.sipUsername);
      assert.equal(xmlElement(r.body, 'P36'), g.sipUsername);
      assert.equal(xmlElement(r.body, 'P34'), g.sipPassword);
      assert.equal(xmlElement(r.body, 'P47'), `${t.realm}:5080`);
      assert.equal(xmlElement(r.body, 'P48'), 'sip.switchboard.example:5080');
      assert.equal(xmlElement(r.body, 'P3'), 'Grant Phone');
      assert.equal(xmlElement(r.body, 'P33'), '777');
      assert.equal(xmlElement(r.body, 'P99'), '1', 'subscribe for MWI');
      assert.equal(xmlElement(r.body, 'P64'), String(600 + 720));
      assert.equal(xmlElement(r.body, 'P246'), '10,1,7,2,0;4,1,7,3,0;60');
      assert.equal(xmlElement(r.body, 'P323'), '1', 'MPK 1 is a BLF');
      assert.equal(xmlElement(r.body, 'P303'), t.extensions.basic);
    });

    it('Snom: <mac>.xml settings with user_* keys and RW permissions when the user may update settings', async () => {
      const sn = phones.snom!;
      const r = await phoneGet(s.baseUrl, path(`${sn.mac}.xml`), { ...basic(), userAgent: `Mozilla/4.0 (compatible; snomD735-SIP 10.1.54.13; ${sn.mac})` });
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /<settings>\n {2}<phone-settings e="2">/);
      assert.equal(xmlElement(r.body, 'user_name', 'idx="1"'), sn.sipUsername);
      assert.equal(xmlElement(r.body, 'user_pass', 'idx="1"'), sn.sipPassword);
      assert.equal(xmlElement(r.body, 'user_host', 'idx="1"'), `${t.realm}:5080`);
      assert.equal(xmlElement(r.body, 'user_realname', 'idx="1"'), 'Snow Phone');
      assert.equal(xmlElement(r.body, 'user_mailbox', 'idx="1"'), '777');
      assert.equal(xmlElement(r.body, 'utc_offset'), '36000');
      assert.match(r.body, /<user_pass idx="1" perm="R">/, 'credentials always read-only');
      assert.match(r.body, /<ntp_server perm="RW">/, 'Update settings allowed → user may change settings');
      assert.match(r.body, /<fkey idx="1" context="active" label="Bea" perm="R">blf &lt;sip:\d+@acme\.pbx\.example&gt;<\/fkey>/);
    });

    it('Cisco SPA: spa<mac>.xml flat profile with per-line keys and hidden credentials', async () => {
      const c = phones.cisco!;
      const r = await phoneGet(s.baseUrl, path(`spa${c.mac}.xml`), { ...basic(), userAgent: `Cisco/SPA504G-7.6.2c (${c.mac.toUpperCase()})(CCQ1234ABCD)` });
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /^<flat-profile>/);
      assert.equal(xmlElement(r.body, 'User_ID_1_'), c.sipUsername);
      assert.equal(xmlElement(r.body, 'Password_1_'), c.sipPassword);
      assert.equal(xmlElement(r.body, 'Proxy_1_'), `${t.realm}:5080`);
      assert.equal(xmlElement(r.body, 'Outbound_Proxy_1_'), 'sip.switchboard.example:5080');
      assert.equal(xmlElement(r.body, 'Display_Name_1_'), 'Cisco Phone');
      assert.equal(xmlElement(r.body, 'Voice_Mail_Number'), '777');
      assert.equal(xmlElement(r.body, 'Mailbox_ID_1_'), c.sipUsername, "MWI SUBSCRIBE for the user's own AoR …");
      assert.equal(xmlElement(r.body, 'Mailbox_Subscribe_URL_1_'), `${t.realm}:5080`, '… at the account realm');
      assert.equal(xmlElement(r.body, 'Time_Zone'), 'GMT+10:00');
      assert.equal(xmlElement(r.body, 'Daylight_Saving_Time_Rule'), 'start=10/1/7/2:0:0;end=4/1/7/3:0:0;save=1');
      assert.equal(xmlElement(r.body, 'NAT_Keep_Alive_Enable_1_'), 'No', 'not behind a firewall → no keep-alive');
      assert.match(r.body, /<Password_1_ ua="na">/);
      assert.match(r.body, /<Station_Name ua="ro">/);
    });

    // the main configuration file of each vendor's phone, and fetching it as that phone (200 expected)
    type Vendor5 = 'yealink' | 'polycom' | 'grandstream' | 'snom' | 'cisco';
    const vendorFiles = (): Record<Vendor5, { file: string; auth: ReturnType<typeof basic> | ReturnType<typeof digest> }> => ({
      yealink: { file: `${phones.yealink!.mac}.cfg`, auth: digest() },
      polycom: { file: `${phones.polycom!.mac}-switchboard.cfg`, auth: digest() },
      grandstream: { file: `cfg${phones.grandstream!.mac}.xml`, auth: basic() },
      snom: { file: `${phones.snom!.mac}.xml`, auth: basic() },
      cisco: { file: `spa${phones.cisco!.mac}.xml`, auth: basic() },
    });
    const vendorFile = async (files: ReturnType<typeof vendorFiles>, key: Vendor5) => {
      const r = await phoneGet(s.baseUrl, path(files[key].file), files[key].auth);
      assert.equal(r.status, 200, r.body);
      return r.body;
    };

    it("voicemail off → no MWI subscription and no voicemail number on any vendor; on again → back", async () => {
      const files = vendorFiles();
      const setVoicemail = async (enabled: boolean) => {
        for (const key of Object.keys(files)) {
          const r = await s.api('PATCH', `/api/v1/accounts/${t.code}/users/${phones[key]!.userId}`, { voicemail: { enabled } });
          assert.equal(r.status, 200, r.text);
        }
      };
      const fetch = (key: Vendor5) => vendorFile(files, key);
      await setVoicemail(false);
      try {
        const y = parseKv(await fetch('yealink'));
        assert.equal(y['account.1.subscribe_mwi'], '0');
        assert.equal(y['account.1.display_mwi.enable'], '0');
        assert.equal(y['voice_mail.number.1'], '');
        const p = await fetch('polycom');
        assert.equal(xmlAttribute(p, 'msg.mwi.1.subscribe'), '');
        assert.equal(xmlAttribute(p, 'msg.mwi.1.callBackMode'), 'disabled');
        assert.equal(xmlAttribute(p, 'msg.mwi.1.callBack'), '');
        assert.equal(xmlAttribute(p, 'up.oneTouchVoiceMail'), '0');
        const g = await fetch('grandstream');
        assert.equal(xmlElement(g, 'P99'), '0');
        assert.equal(xmlElement(g, 'P33'), '');
        assert.equal(xmlElement(await fetch('snom'), 'user_mailbox', 'idx="1"'), '');
        const c = await fetch('cisco');
        assert.equal(xmlElement(c, 'Voice_Mail_Number'), '');
        assert.equal(xmlElement(c, 'Mailbox_ID_1_'), '');
        assert.equal(xmlElement(c, 'Mailbox_Subscribe_URL_1_'), '');
      } finally {
        await setVoicemail(true);
      }
      assert.equal(parseKv(await fetch('yealink'))['account.1.subscribe_mwi'], '1');
      assert.equal(xmlAttribute(await fetch('polycom'), 'msg.mwi.1.subscribe'), `${phones.polycom!.sipUsername}@${t.realm}`);
      assert.equal(xmlElement(await fetch('grandstream'), 'P99'), '1');
      assert.equal(xmlElement(await fetch('snom'), 'user_mailbox', 'idx="1"'), '777');
      assert.equal(xmlElement(await fetch('cisco'), 'Mailbox_ID_1_'), phones.cisco!.sipUsername);
    });

    it("an account on SIP over TLS (sipTransport, Office Manager's choice): every vendor's next file registers over TLS to the TLS port with SRTP", async () => {
      const files = vendorFiles();
      const get = (key: Vendor5) => vendorFile(files, key);
      const acct = `/api/v1/accounts/${t.code}`;
      assert.equal((await s.api('GET', acct)).body.sipTransport, 'udp', 'the default');
      // bad values: 4xx naming the field, nothing written; another tenant 404; lower roles 403
      for (const bad of ['tcp', 'TLS', '', 1]) {
        const r = await s.api('PATCH', acct, { sipTransport: bad }, asUser(t.users.manager));
        assert.ok(r.status === 400 || r.status === 422, `${String(bad)}: ${r.status}`);
        assert.match(r.text, /sipTransport/);
      }
      assert.equal((await s.api('PATCH', acct, { sipTransport: 'tls' }, asUser(other.users.manager))).status, 404);
      assert.equal((await s.api('PATCH', acct, { sipTransport: 'tls' }, asUser(t.users.site))).status, 403);
      assert.equal((await s.api('PATCH', acct, { sipTransport: 'tls' }, asUser(t.users.basic))).status, 403);
      assert.equal((await s.api('GET', acct)).body.sipTransport, 'udp', 'nothing written');
      assert.match(parseKv(await get('yealink'))['account.1.sip_server.1.transport_type']!, /^0$/);

      const set = await s.api('PATCH', acct, { sipTransport: 'tls' }, asUser(t.users.manager));
      assert.equal(set.status, 200, set.text);
      assert.equal(set.body.sipTransport, 'tls');
      try {
        const y = parseKv(await get('yealink'));
        assert.equal(y['account.1.sip_server.1.transport_type'], '2');
        assert.equal(y['account.1.sip_server.1.port'], '5081');
        assert.equal(y['account.1.outbound_proxy.1.port'], '5081');
        assert.equal(y['account.1.srtp_encryption'], '2');
        const p = await get('polycom');
        assert.equal(xmlAttribute(p, 'reg.1.server.1.transport'), 'TLS');
        assert.equal(xmlAttribute(p, 'reg.1.server.1.port'), '5081');
        assert.equal(xmlAttribute(p, 'reg.1.srtp.require'), '1');
        const g = await get('grandstream');
        assert.equal(xmlElement(g, 'P130'), '2');
        assert.equal(xmlElement(g, 'P47'), `${t.realm}:5081`);
        assert.equal(xmlElement(g, 'P183'), '2');
        const sn = await get('snom');
        assert.equal(xmlElement(sn, 'user_outbound', 'idx="1"'), 'sip.switchboard.example:5081;transport=tls');
        assert.equal(xmlElement(sn, 'user_savp', 'idx="1"'), 'mandatory');
        const c = await get('cisco');
        assert.equal(xmlElement(c, 'SIP_Transport_1_'), 'TLS');
        assert.equal(xmlElement(c, 'Proxy_1_'), `${t.realm}:5081`);
        assert.equal(xmlElement(c, 'Secure_Call_Setting_1_'), 'Yes');
        // another account's phones are untouched
        assert.equal((await s.api('GET', `/api/v1/accounts/${other.code}`)).body.sipTransport, 'udp');
      } finally {
        assert.equal((await s.api('PATCH', acct, { sipTransport: 'udp' })).status, 200);
      }
      const back = parseKv(await get('yealink'));
      assert.equal(back['account.1.sip_server.1.transport_type'], '0');
      assert.equal(back['account.1.sip_server.1.port'], '5080');
      assert.equal(back['account.1.srtp_encryption'], '0');
    });

    it('changing the user changes the next file: name, SIP password, permissions, office timezone', async () => {
      const y = phones.yealink!;
      const file = path(`${y.mac}.cfg`);
      await s.api('PATCH', `/api/v1/accounts/${t.code}/users/${y.userId}`, { displayName: 'Yuki Renamed', security: { handsetManagement: { updateSettings: true, toggleDayNight: false } } });
      const pw = await s.api('POST', `/api/v1/accounts/${t.code}/users/${y.userId}/sip-password`);
      const dev = await s.api('GET', `/api/v1/accounts/${t.code}/devices/${y.deviceId}`);
      assert.equal(dev.body.resync.pending, true, 'the user change asked the handset to resync');
      await s.api('PATCH', `/api/v1/accounts/${t.code}/offices/${t.offices.main}`, { timezone: 'Europe/London' });
      const kv = parseKv((await phoneGet(s.baseUrl, file, digest())).body);
      assert.equal(kv['account.1.display_name'], 'Yuki Renamed');
      assert.equal(kv['account.1.password'], pw.body.sipPassword);
      assert.notEqual(kv['account.1.password'], y.sipPassword);
      assert.equal(kv['phone_setting.phone_lock.enable'], '0');
      assert.equal(kv['linekey.3.type'], undefined, 'no Day/Night key any more');
      assert.equal(kv['local_time.time_zone'], '0');
      assert.equal(kv['local_time.start_time'], '3/5/7/1');
      assert.equal(kv['phone_setting.lcd_logo.text'], `Yuki Renamed (${y.extension})`, 'seed 002: the device name follows the user');
      assert.equal((await s.api('GET', `/api/v1/accounts/${t.code}/devices/${y.deviceId}`)).body.resync.pending, false, 'fetching cleared the pending resync');
      await s.api('PATCH', `/api/v1/accounts/${t.code}/offices/${t.offices.main}`, { timezone: 'Australia/Sydney' });
    });

    it('overrides: vendor → model → account → device, the later wins', async () => {
      const y = phones.yealink!;
      const a = await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { overrides: { yealink: { 'local_time.ntp_server1': 'ntp.account.example', 'phone_setting.backlight_time': '30' } } });
      assert.equal(a.status, 200, a.text);
      await s.api('PATCH', `/api/v1/accounts/${t.code}/devices/${y.deviceId}`, { settings: { 'phone_setting.backlight_time': '5' } });
      const kv = parseKv((await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), digest())).body);
      assert.equal(kv['local_time.ntp_server1'], 'ntp.account.example');
      assert.equal(kv['phone_setting.backlight_time'], '5');
      assert.equal(kv['auto_provision.repeat.enable'], '1', 'vendor template value still there');
    });

    it('a spare handset gets a file without any SIP account', async () => {
      const d = await s.api('POST', `/api/v1/accounts/${t.code}/devices`, { mac: '80:5e:c0:99:00:01', model: 't31g' });
      const kv = parseKv((await phoneGet(s.baseUrl, path(`${d.body.mac}.cfg`), digest())).body);
      assert.equal(kv['account.1.enable'], '0');
      assert.equal(kv['account.1.password'], undefined);
    });

    // ---------- refusals: each one proved and logged ----------

    it('refuses without credentials (challenge), with a wrong password, with a disallowed scheme', async () => {
      const y = phones.yealink!;
      const none = await rawGet(s.baseUrl, path(`${y.mac}.cfg`), {}, '127.0.0.11');
      assert.equal(none.status, 401);
      assert.match(String(none.headers['www-authenticate']), /Digest realm="Switchboard Provisioning"/);
      assert.doesNotMatch(none.body, /password/);
      const wrong = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { auth: 'digest', username: prov.username, password: 'not-it', from: '127.0.0.11' });
      assert.equal(wrong.status, 401);
      const wrongBasic = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { auth: 'basic', username: prov.username, password: 'not-it', from: '127.0.0.11' });
      assert.equal(wrongBasic.status, 401);
      const theirs = (await s.api('GET', `/api/v1/accounts/${other.code}/provisioning`)).body;
      const otherCreds = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { auth: 'basic', username: theirs.username, password: theirs.password, from: '127.0.0.11' });
      assert.equal(otherCreds.status, 401, "another account's credentials do not open this account's token");
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { authMode: 'digest' });
      const scheme = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { ...basic(), from: '127.0.0.12' });
      assert.equal(scheme.status, 401);
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { authMode: 'digest_or_basic' });
      const log = await refusals();
      assert.equal(log.filter((r) => r.reason === 'bad_credentials' && r.ip === '127.0.0.11').length, 3);
      assert.ok(log.some((r) => r.reason === 'auth_scheme_not_allowed' && r.ip === '127.0.0.12'));
      assert.ok(!log.some((r) => r.ip === '127.0.0.11' && r.status === 401 && r.reason !== 'bad_credentials'));
    });

    it('refuses a wrong path token, and the tokenless path while the token is required', async () => {
      const y = phones.yealink!;
      const bad = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`, 'A'.repeat(32)), { ...digest(), from: '127.0.0.13' });
      assert.equal(bad.status, 404);
      const theirs = (await s.api('GET', `/api/v1/accounts/${other.code}/provisioning`)).body;
      const otherToken = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`, theirs.pathToken), { ...digest(), from: '127.0.0.13' });
      assert.equal(otherToken.status, 401, "another account's token needs that account's credentials, not ours");
      const otherBoth = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`, theirs.pathToken), { auth: 'digest', username: theirs.username, password: theirs.password, from: '127.0.0.14' });
      assert.equal(otherBoth.status, 404, "our MAC is unknown in another account's space");
      const tokenless = await phoneGet(s.baseUrl, `/prov/${y.mac}.cfg`, { ...basic(), from: '127.0.0.15' });
      assert.equal(tokenless.status, 404);
      const rows = await s.store.database.db.selectFrom('provisioning_refusals').selectAll().where('reason', '=', 'bad_token').execute();
      assert.ok(rows.some((r) => r.ip === '127.0.0.13' && r.account_id === null && r.mac === y.mac));
      const log = await refusals();
      assert.ok(log.some((r) => r.reason === 'token_required' && r.ip === '127.0.0.15'));
      // with requireToken off, /prov/<file> works with credentials alone
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { requireToken: false });
      const ok = await phoneGet(s.baseUrl, `/prov/${y.mac}.cfg`, digest());
      assert.equal(ok.status, 200, ok.body);
      assert.match(ok.body, /account\.1\.password/);
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { requireToken: true });
    });

    it('refuses addresses outside the CIDR allow-list', async () => {
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { allowedCidrs: ['127.0.0.16/32', '2001:db8::/32'] });
      const outside = await phoneGet(s.baseUrl, path('y000000000108.cfg'), { ...digest(), from: '127.0.0.17' });
      assert.equal(outside.status, 403);
      const inside = await phoneGet(s.baseUrl, path('y000000000108.cfg'), { ...digest(), from: '127.0.0.16' });
      assert.equal(inside.status, 200);
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { allowedCidrs: [] });
      assert.ok((await refusals()).some((r) => r.reason === 'ip_not_allowed' && r.ip === '127.0.0.17'));
    });

    it('refuses unknown MACs, another vendor’s file name, and a User-Agent naming another MAC', async () => {
      const unknown = await phoneGet(s.baseUrl, path('805ec0ffffff.cfg'), { ...digest(), from: '127.0.0.18' });
      assert.equal(unknown.status, 404);
      const y = phones.yealink!;
      const wrongVendor = await phoneGet(s.baseUrl, path(`cfg${y.mac}.xml`), { ...digest(), from: '127.0.0.18' });
      assert.equal(wrongVendor.status, 404);
      const ua = await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { ...digest(), userAgent: 'Yealink SIP-T46U 108.86.0.20 80:5e:c0:aa:aa:aa' });
      assert.equal(ua.status, 403);
      const junk = await phoneGet(s.baseUrl, path('../../etc/passwd'), { ...digest(), from: '127.0.0.18' });
      assert.ok(junk.status === 404);
      const log = await refusals();
      for (const reason of ['unknown_mac', 'wrong_vendor_file', 'user_agent_mismatch']) assert.ok(log.some((r) => r.reason === reason), reason);
    });

    it('MAC lock: a second address is refused until an admin unlocks for 24 h; the next fetch re-binds', async () => {
      const g = phones.grandstream!; // locked to 127.0.0.1 by its first fetch
      const file = path(`cfg${g.mac}.xml`);
      const stolen = await phoneGet(s.baseUrl, file, { ...basic(), from: '127.0.0.20' });
      assert.equal(stolen.status, 403);
      assert.doesNotMatch(stolen.body, new RegExp(g.sipPassword));
      const un = await s.api('POST', `/api/v1/accounts/${t.code}/devices/${g.deviceId}/unlock`);
      assert.equal(un.status, 200);
      const moved = await phoneGet(s.baseUrl, file, { ...basic(), from: '127.0.0.20' });
      assert.equal(moved.status, 200);
      const dev = (await s.api('GET', `/api/v1/accounts/${t.code}/devices/${g.deviceId}`)).body;
      assert.equal(dev.lock.lockedIp, '127.0.0.20');
      assert.equal(dev.lock.unlockedUntil, null, 'the unlock window closes once the lock is re-bound');
      const old = await phoneGet(s.baseUrl, file, basic());
      assert.equal(old.status, 403);
      assert.ok((await refusals()).filter((r) => r.reason === 'mac_locked').length >= 2);
      // with the lock switched off for the account any address may fetch
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { macLock: false });
      assert.equal((await phoneGet(s.baseUrl, file, basic())).status, 200);
      await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, { macLock: true });
    });

    it('rate-limits an address that keeps guessing MACs, even for valid files afterwards', async () => {
      const from = '127.0.0.30';
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await phoneGet(s.baseUrl, path(`805ec0ab00${String(i).padStart(2, '0')}.cfg`), { ...digest(), from })).status);
      assert.deepEqual(statuses, [404, 404, 404, 404]);
      const blocked = await phoneGet(s.baseUrl, path('y000000000108.cfg'), { ...basic(), from });
      assert.equal(blocked.status, 429);
      assert.ok(blocked.headers['retry-after']);
      // other addresses are not affected
      assert.equal((await phoneGet(s.baseUrl, path('y000000000108.cfg'), { ...basic(), from: '127.0.0.31' })).status, 200);
      const log = await refusals();
      assert.equal(log.filter((r) => r.ip === from && r.reason === 'unknown_mac').length, 4);
      assert.ok(log.some((r) => r.ip === from && r.reason === 'rate_limit_reached'));
    });

    it('a Polycom boot’s requests for files we do not serve are plain 404s: no strike, nothing stored, the site keeps working', async () => {
      await addPhone('polyboot', 'Paula', '00:04:f2:aa:bb:01', 'vvx411');
      const ph = phones.polyboot!;
      const from = '127.0.0.60'; // one office behind one address; the limit in this suite is 4 strikes
      const userAgent = 'FileTransport PolycomVVX-VVX_411-UA/6.4.3.5018';
      const get = (file: string) => phoneGet(s.baseUrl, path(file), { ...digest(), userAgent, from });
      // what the master file (APP_FILE_PATH="sip.ld" …) and the firmware make the phone ask for
      const notServed = ['sip.ld', `${ph.mac}-license.cfg`, `${ph.mac}-directory.xml`, '000000000000-directory.xml', `${ph.mac}-phone.cfg`, `${ph.mac}-web.cfg`, `${ph.mac}-calls.xml`];
      for (let boot = 1; boot <= 3; boot++) {
        assert.equal((await get('000000000000.cfg')).status, 200, `boot ${boot}: 000000000000.cfg`);
        assert.equal((await get(`${ph.mac}.cfg`)).status, 200, `boot ${boot}: master`);
        for (const f of notServed) {
          const r = await get(f);
          assert.equal(r.status, 404, `boot ${boot}: ${f}`);
          assert.equal(r.challenged, false, 'answered before any authentication');
        }
        assert.equal((await get(`${ph.mac}-switchboard.cfg`)).status, 200, `boot ${boot}: phone file`);
      }
      const cfg = await get(`${ph.mac}.cfg`);
      assert.equal(cfg.status, 200, 'still not blocked');
      assert.equal(xmlAttribute(cfg.body, 'CONFIG_FILES'), `${ph.mac}-switchboard.cfg`);
      const rows = await s.store.database.db.selectFrom('provisioning_refusals').select(['reason', 'file']).where('ip', '=', from).execute();
      assert.deepEqual(rows, [], 'no refusal stored for files we do not serve');
      // guesses from that address are still strikes
      for (let i = 0; i < 4; i++) assert.equal((await get(`0004f2ee00${String(i).padStart(2, '0')}.cfg`)).status, 404);
      assert.equal((await get(`${ph.mac}.cfg`)).status, 429);
    });

    it('rotating the secrets stops the old token and password at once', async () => {
      const old = prov;
      const r = await s.api('POST', `/api/v1/accounts/${t.code}/provisioning/rotate`, {});
      assert.equal(r.status, 200);
      assert.notEqual(r.body.pathToken, old.pathToken);
      assert.notEqual(r.body.password, old.password);
      const y = phones.yealink!;
      assert.equal((await phoneGet(s.baseUrl, path(`${y.mac}.cfg`, old.pathToken), { ...digest(), from: '127.0.0.40' })).status, 404);
      prov = r.body;
      assert.equal((await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), { auth: 'basic', username: old.username, password: old.password, from: '127.0.0.41' })).status, 401);
      assert.equal((await phoneGet(s.baseUrl, path(`${y.mac}.cfg`), digest())).status, 200);
    });

    it('admin API validation: names the field and writes nothing', async () => {
      const cases: Array<[object, string]> = [
        [{ authMode: 'none', requireToken: false }, 'authMode'],
        [{ allowedCidrs: ['10.0.0.0/33'] }, 'allowedCidrs.0'],
        [{ allowedCidrs: ['not-an-ip'] }, 'allowedCidrs.0'],
        [{ overrides: { grandstream: { 'account.1.x': '1' } } }, 'overrides.grandstream.account.1.x'],
      ];
      for (const [body, field] of cases) {
        const r = await s.api('PATCH', `/api/v1/accounts/${t.code}/provisioning`, body);
        assert.equal(r.status, 422, r.text);
        assert.ok(r.body.fields.some((f: { field: string }) => f.field === field), r.text);
      }
      const now = (await s.api('GET', `/api/v1/accounts/${t.code}/provisioning`)).body;
      assert.equal(now.authMode, 'digest_or_basic');
      assert.deepEqual(now.allowedCidrs, []);
    });

    it('another tenant and lower roles can neither read nor change provisioning settings', async () => {
      const base = `/api/v1/accounts/${t.code}/provisioning`;
      for (const [who, expected] of [
        [asUser(other.users.manager), 404],
        [asUser(t.users.site), 403],
        [asUser(t.users.basic), 403],
      ] as Array<[Record<string, string>, number]>) {
        assert.equal((await s.api('GET', base, undefined, who)).status, expected);
        assert.equal((await s.api('PATCH', base, { macLock: false }, who)).status, expected);
        assert.equal((await s.api('POST', `${base}/rotate`, {}, who)).status, expected);
        assert.equal((await s.api('GET', `${base}/refusals`, undefined, who)).status, expected);
      }
      assert.equal((await s.api('GET', base, undefined, asUser(t.users.manager))).status, 200);
      assert.equal((await s.api('GET', base)).body.macLock, true);
    });

    it('the /prov/ prefix is not behind the API key and the API key does not open /prov/', async () => {
      const y = phones.yealink!;
      const r = await rawGet(s.baseUrl, path(`${y.mac}.cfg`), { authorization: `Bearer ${s.providerKey}` }, '127.0.0.50');
      assert.equal(r.status, 401);
      const api = await rawGet(s.baseUrl, `/api/v1/accounts/${t.code}/provisioning`, { authorization: basicAuthorization(prov.username, prov.password) });
      assert.equal(api.status, 401, 'provisioning credentials do not open the API');
    });

    it('after Apply Changes phones get the applied configuration; SIP credentials stay live', async () => {
      await addPhone('applied', 'Ada', '80:5e:c0:44:55:66', 't46u');
      const a = phones.applied!;
      const creds = (await s.api('GET', `/api/v1/accounts/${t.code}/provisioning`)).body as typeof prov;
      const from = '127.0.0.40';
      const fetchKv = async (mac: string) => {
        const r = await phoneGet(s.baseUrl, `/prov/${creds.pathToken}/${mac}.cfg`, { auth: 'digest', username: creds.username, password: creds.password, from });
        return { status: r.status, kv: r.status === 200 ? parseKv(r.body) : {} };
      };
      assert.equal((await s.api('POST', `/api/v1/accounts/${t.code}/config/apply`, {})).status, 201);
      assert.equal((await fetchKv(a.mac)).kv['account.1.display_name'], 'Ada Phone');
      await s.api('PATCH', `/api/v1/accounts/${t.code}/users/${a.userId}`, { displayName: 'Ada Later' });
      const pw = await s.api('POST', `/api/v1/accounts/${t.code}/users/${a.userId}/sip-password`);
      const saved = await fetchKv(a.mac);
      assert.equal(saved.kv['account.1.display_name'], 'Ada Phone', 'saved, not applied');
      assert.equal(saved.kv['account.1.password'], pw.body.sipPassword, 'a regenerated password is live, like the SIP server');
      const u2 = await s.api('POST', `/api/v1/accounts/${t.code}/users`, { firstName: 'Ben', officeId: t.offices.main });
      const d2 = await s.api('POST', `/api/v1/accounts/${t.code}/devices`, { mac: '80:5e:c0:44:55:77', model: 't46u', userId: u2.body.id });
      assert.equal((await fetchKv(d2.body.mac)).status, 404, 'a handset added since the last apply is not provisioned yet');
      assert.equal((await s.api('POST', `/api/v1/accounts/${t.code}/config/apply`, {})).status, 201);
      assert.equal((await fetchKv(a.mac)).kv['account.1.display_name'], 'Ada Later');
      assert.equal((await fetchKv(d2.body.mac)).status, 200);
    });
  });
}
