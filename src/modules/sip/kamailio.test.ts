import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kamailioDb, renderConfig, TEMPLATE, writeRunFiles } from './kamailio.ts';
import { parseTrunk, parseTrunkAddress, sipSettingsFromEnv, splitHostPort, trunkAddresses, trunkAddressFile, type SipSettings } from './settings.ts';

test('store URL → Kamailio db_url and module, and where registrations are kept', () => {
  const x = { url: 'sqlite:///var/lib/sb/x.sqlite', module: 'db_sqlite.so', locationUrl: 'sqlite:///var/lib/sb/x.sip-location.sqlite', locationFile: '/var/lib/sb/x.sip-location.sqlite' };
  assert.deepEqual(kamailioDb('/var/lib/sb/x.sqlite'), x);
  assert.deepEqual(kamailioDb('sqlite:/var/lib/sb/x.sqlite'), x);
  assert.equal(kamailioDb('/var/lib/sb/store').locationFile, '/var/lib/sb/store.sip-location.sqlite', 'a store without extension');
  assert.equal(kamailioDb('/var/lib/sb/store.db').locationFile, '/var/lib/sb/store.sip-location.sqlite');
  assert.ok(kamailioDb('data/sb.sqlite').url.startsWith('sqlite:///'), 'relative paths become absolute');
  assert.ok(kamailioDb('data/sb.sqlite').locationUrl.startsWith('sqlite:///'));
  const pg = 'postgres://postgres@127.0.0.1:5432/test';
  assert.deepEqual(kamailioDb(pg), { url: pg, module: 'db_postgres.so', locationUrl: pg });
  assert.deepEqual(kamailioDb('postgresql://sb:p%40ss@db.local/sb'), { url: 'postgres://sb:p@ss@db.local:5432/sb', module: 'db_postgres.so', locationUrl: 'postgres://sb:p@ss@db.local:5432/sb' });
});

test('the registrations file beside a SQLite store: usrloc schema and versions, 0600, WAL, an existing one kept', async () => {
  const { mkdtempSync, rmSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const SQLite = (await import('better-sqlite3')).default;
  const { ensureLocationStore } = await import('./location-store.ts');
  const dir = mkdtempSync(join(tmpdir(), 'sb-loc-'));
  try {
    const file = kamailioDb(join(dir, 'store.sqlite')).locationFile!;
    ensureLocationStore(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const db = new SQLite(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(db.prepare('select table_name, table_version from kamailio_version order by table_name').all(), [
      { table_name: 'location', table_version: 9 },
      { table_name: 'location_attrs', table_version: 1 },
    ]);
    db.prepare("insert into location (ruid, username, domain, contact) values ('r1', 'u1', 'd.test', 'sip:u1@127.0.0.1:5060')").run();
    db.close();
    ensureLocationStore(file);
    const again = new SQLite(file);
    assert.equal((again.prepare('select count(*) as n from location').get() as { n: number }).n, 1, 'a second start keeps the registrations');
    assert.equal((again.prepare('select count(*) as n from kamailio_version').get() as { n: number }).n, 2);
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the template renders with every placeholder filled and the settings in place', () => {
  const settings = { ...sipSettingsFromEnv({}), secret: 's3cret' };
  const cfg = renderConfig(readFileSync(TEMPLATE, 'utf8'), {
    databaseUrl: '/tmp/sb.sqlite',
    routerUrl: 'http://127.0.0.1:8080/sip/route',
    settings,
    runDir: '/tmp/run',
    authSecret: 'abc',
    bruteForce: { limit: 7, windowSeconds: 100, blockSeconds: 200 },
  });
  assert.doesNotMatch(cfg, /%%[A-Z_]+%%/);
  assert.match(cfg, /^listen=udp:127\.0\.0\.1:5070$/m);
  assert.match(cfg, /modparam\("auth_db", "db_url", "sqlite:\/\/\/tmp\/sb\.sqlite"\)/);
  assert.match(cfg, /loadmodule "db_sqlite\.so"/);
  assert.match(cfg, /#!define ROUTER_HEADERS "X-Switchboard-Sip-Secret: s3cret"/);
  assert.match(cfg, /#!define TRUNK_IP "127\.0\.0\.1"\n#!define TRUNK_PORT 5090/);
  assert.match(cfg, /#!define BF_LIMIT 7/);
  assert.match(cfg, /sb_blocked=>size=10;autoexpire=200;/);
  assert.match(cfg, /auth_check\("\$fd", "sip_subscribers", "1"\)/);
  assert.throws(() => renderConfig('x %%NOPE%%', { databaseUrl: 'a', routerUrl: 'b', settings, runDir: '/r', authSecret: 'x' }), /unknown placeholder/);
  assert.throws(() => renderConfig('x', { databaseUrl: 'a', routerUrl: 'b"', settings, runDir: '/r', authSecret: 'x' }), /quotes/);
});

test('host:port parsing', () => {
  assert.deepEqual(splitHostPort('10.0.0.1:5090'), ['10.0.0.1', 5090]);
  assert.deepEqual(splitHostPort('gw.example'), ['gw.example', 5060]);
  assert.deepEqual(splitHostPort('10.0.0.1:5090;transport=tcp'), ['10.0.0.1', 5090]);
});

test('carrier trunk: transport, address list (any port by default), defaults and bad entries', () => {
  assert.deepEqual(parseTrunk('203.0.113.5:5060;transport=tcp'), { host: '203.0.113.5', port: 5060, transport: 'tcp' });
  assert.deepEqual(parseTrunk('203.0.113.5'), { host: '203.0.113.5', port: 5060, transport: 'udp' });
  assert.throws(() => parseTrunk('203.0.113.5:5060;transport=sctp'), /SWITCHBOARD_SIP_TRUNK/);
  assert.deepEqual(parseTrunkAddress('203.0.113.0/24'), { ip: '203.0.113.0', mask: 24, port: 0 });
  assert.deepEqual(parseTrunkAddress('198.51.100.7'), { ip: '198.51.100.7', mask: 32, port: 0 });
  assert.deepEqual(parseTrunkAddress('198.51.100.7:5061'), { ip: '198.51.100.7', mask: 32, port: 5061 });
  assert.deepEqual(parseTrunkAddress('2001:db8::/32'), { ip: '2001:db8::', mask: 32, port: 0 });
  assert.deepEqual(parseTrunkAddress('[2001:db8::1]:5060'), { ip: '2001:db8::1', mask: 128, port: 5060 });
  for (const bad of ['carrier.example', '10.0.0.0/33', '10.0.0.1:99999', '']) assert.throws(() => parseTrunkAddress(bad), /SWITCHBOARD_SIP_TRUNK_ADDRESSES/, bad);
  // default: the trunk host, any port; a loopback test gateway keeps its port (phones share 127.0.0.1)
  assert.deepEqual(trunkAddresses({ trunk: '203.0.113.5:5060;transport=tcp' }), [{ ip: '203.0.113.5', mask: 32, port: 0 }]);
  assert.deepEqual(trunkAddresses({ trunk: '127.0.0.1:5090' }), [{ ip: '127.0.0.1', mask: 32, port: 5090 }]);
  assert.throws(() => trunkAddresses({ trunk: 'sip.carrier.example:5060' }), /SWITCHBOARD_SIP_TRUNK_ADDRESSES/);
  assert.deepEqual(trunkAddresses({ trunk: 'sip.carrier.example:5060', trunkAddresses: ['203.0.113.0/28'] }), [{ ip: '203.0.113.0', mask: 28, port: 0 }]);
  assert.equal(trunkAddressFile([{ ip: '203.0.113.0', mask: 28, port: 0 }]).split('\n')[1], '1 203.0.113.0 28 0');
  const env = sipSettingsFromEnv({ SWITCHBOARD_SIP_TRUNK_ADDRESSES: ' 203.0.113.5, 198.51.100.0/24 ', SWITCHBOARD_SIP_TRUNK_USERNAME: 'pbx1', SWITCHBOARD_SIP_TRUNK_PASSWORD: 'pw' });
  assert.deepEqual(env.trunkAddresses, ['203.0.113.5', '198.51.100.0/24']);
  assert.deepEqual(env.trunkAuth, { username: 'pbx1', password: 'pw', realm: '' });
  assert.equal(sipSettingsFromEnv({ SWITCHBOARD_SIP_TRUNK_PASSWORD: 'pw' }).trunkAuth, undefined, 'no username: no credentials');
});

test('kamcmd ul.lookup output → contact addresses', async () => {
  const { parseContacts } = await import('./notifier.ts');
  const out = '{\n\tAoR: u1@r\n\tContacts: {\n\t\tContact: {\n\t\t\tAddress: sip:u1@127.0.0.1:5102;transport=udp\n\t\t\tExpires: 300\n\t\t}\n\t\tContact: {\n\t\t\tAddress: sip:u1@10.0.0.2:5060\n\t\t}\n\t}\n}\n';
  assert.deepEqual(parseContacts(out), ['sip:u1@127.0.0.1:5102;transport=udp', 'sip:u1@10.0.0.2:5060']);
  assert.deepEqual(parseContacts(''), []);
  const { parseBindings } = await import('./notifier.ts');
  const tls = '{\n\tAoR: u1@r\n\tContacts: {\n\t\tContact: {\n\t\t\tAddress: sip:u1@127.0.0.1:5191;transport=tls\n\t\t\tExpires: 300\n\t\t\tReceived: sip:127.0.0.1:40312;transport=tls\n\t\t}\n\t\tContact: {\n\t\t\tAddress: sip:u1@10.0.0.2:5060\n\t\t\tReceived: [not set]\n\t\t}\n\t}\n}\n';
  assert.deepEqual(parseBindings(tls), [{ address: 'sip:u1@127.0.0.1:5191;transport=tls', received: 'sip:127.0.0.1:40312;transport=tls' }, { address: 'sip:u1@10.0.0.2:5060' }]);
  assert.deepEqual(parseBindings(out), [{ address: 'sip:u1@127.0.0.1:5102;transport=udp' }, { address: 'sip:u1@10.0.0.2:5060' }]);
});

test('Kamailio accepts the rendered configuration with and without the media relay (kamailio -c)', async (t) => {
  const { existsSync, mkdtempSync, writeFileSync, rmSync, statSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { KAMAILIO_BIN } = await import('./kamailio.ts');
  if (!existsSync(KAMAILIO_BIN)) {
    if (process.env.CI) throw new Error(`${KAMAILIO_BIN} missing`);
    return t.skip('kamailio not installed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-kamcheck-'));
  try {
    const variants: Array<[string | undefined, SipSettings['trunkAuth']]> = [[undefined, undefined], ['udp:127.0.0.1:22222', undefined], [undefined, { username: 'pbx1', password: 'pw-secret', realm: '' }]];
    for (const [rtpengine, trunkAuth] of variants) {
      const settings = { ...sipSettingsFromEnv({}), rtpengine, trunkAuth, trunkAddresses: ['203.0.113.0/24', '198.51.100.7'] };
      // the run directory's carrier files (trunk-auth.cfg only with credentials) are what the config reads
      writeRunFiles(dir, settings);
      const cfg = renderConfig(readFileSync(TEMPLATE, 'utf8'), {
        databaseUrl: join(dir, 'x.sqlite'),
        routerUrl: 'http://127.0.0.1:8080/sip/route',
        settings,
        mediaDir: join(dir, 'media'),
        runDir: dir,
        authSecret: 'abc',
      });
      assert.equal(/#!define WITH_RTPENGINE/.test(cfg), !!rtpengine);
      assert.doesNotMatch(cfg, /pw-secret/, 'the trunk password is never in the main config');
      assert.equal(existsSync(join(dir, 'trunk-auth.cfg')), !!trunkAuth);
      if (trunkAuth) assert.equal(statSync(join(dir, 'trunk-auth.cfg')).mode & 0o777, 0o600);
      const file = join(dir, 'k.cfg');
      writeFileSync(file, cfg);
      // exits non-zero with the parse error on stderr when the file is not valid
      execFileSync(KAMAILIO_BIN, ['-c', '-f', file], { stdio: 'pipe' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('limits: defaults, environment, and bad values refused naming the setting', async () => {
  const { checkSipLimits, sipLimitsFromEnv, DEFAULT_SIP_LIMITS } = await import('./settings.ts');
  assert.deepEqual(sipLimitsFromEnv({}), DEFAULT_SIP_LIMITS);
  const l = sipLimitsFromEnv({ SWITCHBOARD_SIP_ROUTE_TIMEOUT: '1', SWITCHBOARD_SIP_PIKE: '0', SWITCHBOARD_SIP_BF_LIMIT: '9' });
  assert.equal(l.routeTimeout, 1);
  assert.equal(l.pikeDensity, 0);
  assert.equal(l.bfLimit, 9);
  assert.throws(() => sipLimitsFromEnv({ SWITCHBOARD_SIP_ROUTE_QUEUE: '50' }), /SWITCHBOARD_SIP_ROUTE_QUEUE \(routeQueue\) must be a whole number from 0 to 9/);
  assert.throws(() => checkSipLimits({ routeTimeout: 'soon' }), /SWITCHBOARD_SIP_ROUTE_TIMEOUT/);
  assert.throws(() => checkSipLimits({ asyncWorkers: 0 }), /SWITCHBOARD_SIP_ASYNC_WORKERS/);
  // pike's limit is 16-bit in Kamailio: 100,000 would silently become 34,464
  assert.equal(checkSipLimits({ pikeDensity: 65_000 }).pikeDensity, 65_000);
  assert.throws(() => checkSipLimits({ pikeDensity: 100_000 }), /SWITCHBOARD_SIP_PIKE \(pikeDensity\) must be a whole number from 0 to 65000/);
});

test('limits reach the rendered configuration (async routing, pike on/off, usrloc flush, brute force)', async () => {
  const base = { databaseUrl: '/tmp/sb.sqlite', routerUrl: 'http://127.0.0.1:8080/sip/route', settings: sipSettingsFromEnv({}), runDir: '/tmp/run', authSecret: 'abc' };
  const cfg = renderConfig(readFileSync(TEMPLATE, 'utf8'), { ...base, limits: { routeTimeout: 3, routeBreaker: 7, asyncWorkers: 6, pikeDensity: 123, registrationFlush: 15, bfLimit: 4 } });
  assert.doesNotMatch(cfg, /%%[A-Z_]+%%/);
  assert.match(cfg, /^async_workers=6$/m);
  assert.match(cfg, /#!define ROUTE_TIMEOUT 3\n#!define ROUTE_TIMEOUT_MS 3000\n#!define ROUTE_BREAKER 7/);
  assert.match(cfg, /Retry-After: 7\\r\\n/);
  assert.match(cfg, /^#!define WITH_PIKE$/m);
  assert.match(cfg, /modparam\("pike", "reqs_density_per_unit", 123\)/);
  assert.match(cfg, /modparam\("usrloc", "db_mode", 2\)/, 'SQLite store: write-back');
  assert.match(cfg, /modparam\("usrloc", "db_url", "sqlite:\/\/\/tmp\/sb\.sip-location\.sqlite"\)/, 'SQLite store: into a file of its own');
  assert.match(cfg, /modparam\("auth_db", "db_url", "sqlite:\/\/\/tmp\/sb\.sqlite"\)/, 'credentials still from the store');
  const pg = renderConfig(readFileSync(TEMPLATE, 'utf8'), { ...base, databaseUrl: 'postgres://postgres@127.0.0.1:5432/test' });
  assert.match(pg, /modparam\("usrloc", "db_mode", 2\)/, 'PostgreSQL store: write-back');
  assert.match(pg, /modparam\("usrloc", "db_url", "postgres:\/\/postgres@127\.0\.0\.1:5432\/test"\)/, 'PostgreSQL: the store itself');
  assert.match(cfg, /modparam\("usrloc", "timer_interval", 15\)/);
  assert.match(cfg, /#!define BF_LIMIT 4\n/);
  assert.match(cfg, /modparam\("auth", "auth_checks_register", 11\)/);
  assert.match(cfg, /modparam\("auth", "one_time_nonce", 1\)/);
  const off = renderConfig(readFileSync(TEMPLATE, 'utf8'), { ...base, limits: { pikeDensity: 0 } });
  assert.doesNotMatch(off, /^#!define WITH_PIKE$/m);
});

test('SIP over TLS: the TLS listener, tls.cfg beside kamailio.cfg, the self-signed pair, and kamailio -c accepts it', async (t) => {
  const { existsSync, mkdtempSync, writeFileSync, rmSync, statSync, readFileSync: read } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { X509Certificate, createPrivateKey } = await import('node:crypto');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { KAMAILIO_BIN } = await import('./kamailio.ts');
  const { ensureSelfSignedCert, renderTlsConfig } = await import('./tls.ts');
  const { sipTlsFromEnv } = await import('./settings.ts');
  assert.deepEqual(sipTlsFromEnv({}), { port: 5061, certFile: undefined, keyFile: undefined });
  assert.equal(sipTlsFromEnv({ SWITCHBOARD_SIP_TLS_PORT: 'off' }), null);
  assert.deepEqual(sipTlsFromEnv({ SWITCHBOARD_SIP_TLS_PORT: '5071', SWITCHBOARD_SIP_TLS_CERT: '/c.pem', SWITCHBOARD_SIP_TLS_KEY: '/k.pem' }), { port: 5071, certFile: '/c.pem', keyFile: '/k.pem' });
  assert.throws(() => sipTlsFromEnv({ SWITCHBOARD_SIP_TLS_CERT: '/c.pem' }), /SWITCHBOARD_SIP_TLS_CERT and SWITCHBOARD_SIP_TLS_KEY/);
  assert.throws(() => sipTlsFromEnv({ SWITCHBOARD_SIP_TLS_PORT: 'tls' }), /SWITCHBOARD_SIP_TLS_PORT/);

  const dir = mkdtempSync(join(tmpdir(), 'sb-kamtls-'));
  try {
    // made once: 0600 key in a 0700 folder, a certificate for the listen address; the second call reuses it
    const pair = await ensureSelfSignedCert(join(dir, 'tls'), '127.0.0.1');
    assert.equal(pair.created, true);
    assert.equal(statSync(pair.keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'tls')).mode & 0o777, 0o700);
    const cert = new X509Certificate(read(pair.certFile));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(cert.checkPrivateKey(createPrivateKey(read(pair.keyFile))), 'the key belongs to the certificate');
    const again = await ensureSelfSignedCert(join(dir, 'tls'), '127.0.0.1');
    assert.equal(again.created, false);
    assert.equal(read(again.certFile, 'utf8'), read(pair.certFile, 'utf8'));

    const tls = { port: 5061, certFile: pair.certFile, keyFile: pair.keyFile };
    const tlsCfg = renderTlsConfig(tls);
    assert.match(tlsCfg, new RegExp(`^certificate = ${pair.certFile}$`, 'm'));
    assert.match(tlsCfg, new RegExp(`^private_key = ${pair.keyFile}$`, 'm'));
    assert.match(tlsCfg, /^method = TLSv1\.2\+$/m);
    for (const rtpengine of [undefined, 'udp:127.0.0.1:22222']) {
      const cfg = renderConfig(readFileSync(TEMPLATE, 'utf8'), {
        databaseUrl: join(dir, 'x.sqlite'),
        routerUrl: 'http://127.0.0.1:8080/sip/route',
        settings: { ...sipSettingsFromEnv({}), rtpengine, tls },
        mediaDir: join(dir, 'media'),
        runDir: dir,
        authSecret: 'abc',
      });
      assert.doesNotMatch(cfg, /%%[A-Z_]+%%/);
      assert.match(cfg, /^#!define WITH_TLS$/m);
      assert.match(cfg, /^listen=tls:127\.0\.0\.1:5061$/m);
      assert.match(cfg, new RegExp(`modparam\\("tls", "config", "${join(dir, 'tls.cfg')}"\\)`));
      if (!existsSync(KAMAILIO_BIN)) continue;
      writeFileSync(join(dir, 'tls.cfg'), tlsCfg);
      writeFileSync(join(dir, 'k.cfg'), cfg);
      execFileSync(KAMAILIO_BIN, ['-c', '-f', join(dir, 'k.cfg')], { stdio: 'pipe' });
    }
    // without TLS settings: no TLS listener, no tls module
    const plain = renderConfig(readFileSync(TEMPLATE, 'utf8'), { databaseUrl: join(dir, 'x.sqlite'), routerUrl: 'http://127.0.0.1:8080/sip/route', settings: sipSettingsFromEnv({}), runDir: dir, authSecret: 'abc' });
    assert.doesNotMatch(plain, /^#!define WITH_TLS$/m);
    if (!existsSync(KAMAILIO_BIN)) {
      if (process.env.CI) throw new Error(`${KAMAILIO_BIN} missing`);
      t.diagnostic('kamailio not installed: kamailio -c not run');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
