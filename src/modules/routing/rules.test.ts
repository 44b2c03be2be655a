import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, DEFAULT_SECURITY, mergeDeep } from '../users/rules.ts';
import type { Features, Security } from '../users/schema.ts';
import { classifyDialled, toE164 } from '../../shared/phone.ts';
import { applyAreaCode, classifyOutbound, decideRoute, inboundCandidates, makeConfig, ringPlan, toRtjson } from './rules.ts';
import type { Decision, Platform, RouteRequest, RoutingRingGroup, RoutingUser } from './schema.ts';

const platform: Platform = { trunk: 'gw.test:5090', voicemail: 'vm.test:5095' };
const REALM = 'acme.pbx.test';

type UserOpts = Partial<Omit<RoutingUser, 'features' | 'security'>> & { features?: unknown; security?: unknown };
function user(ext: string, o: UserOpts = {}): RoutingUser {
  const { features, security, ...rest } = o;
  return {
    id: `id-${ext}`,
    extension: ext,
    displayName: `User ${ext}`,
    sipUsername: `u${ext}`,
    enabled: true,
    officeId: 'syd',
    ringTime: 20,
    pickupGroup: null,
    outboundNumber: null,
    hideCallerId: false,
    vmEnabled: true,
    ...rest,
    features: mergeDeep<Features>(DEFAULT_FEATURES, features),
    security: mergeDeep<Security>(DEFAULT_SECURITY, security),
  };
}

function config(users: RoutingUser[], numbers: Array<[string, string | null]> = [], ringGroups: RoutingRingGroup[] = []) {
  return makeConfig({
    accountId: 'acc',
    code: 'acme',
    realm: REALM,
    country: 'AU',
    offices: [
      { id: 'syd', country: 'AU', areaCode: '02', defaultOutboundNumber: '+61291234500' },
      { id: 'nz', country: 'NZ', areaCode: null, defaultOutboundNumber: null },
    ],
    users,
    numbers,
    ringGroups,
  });
}

function group(ext: string, strategy: RoutingRingGroup['strategy'], members: string[], ringTime = 15): RoutingRingGroup {
  return { id: `g-${ext}`, name: `Group ${ext}`, extension: ext, strategy, ringTime, memberIds: members.map((m) => `id-${m}`) };
}

const aor = (ext: string) => `sip:u${ext}@${REALM};sb=aor`;
const gw = (n: string) => `sip:${n}@gw.test:5090`;
const vm = (ext: string) => `sip:${ext}@vm.test:5095`;

/** [uris of step 1, step 2, ...] with their timeouts: a compact view of the ring plan. */
function plan(d: Decision): Array<[string[], number]> {
  assert.notEqual(d.action, 'reject', JSON.stringify(d));
  if (d.action === 'reject' || d.action === 'pickup') return [];
  return d.steps.map((s) => [s.targets.map((t) => t.uri), s.timeout]);
}
function busy(d: Decision): string[] | null {
  if (d.action !== 'route') return null;
  return d.onBusy ? d.onBusy.targets.map((t) => t.uri) : null;
}

const internal = (from: string, to: string): RouteRequest => ({ source: 'internal', from: `u${from}`, to });

test('internal extension: devices for the ring time, then voicemail; busy → voicemail', () => {
  const cfg = config([user('101'), user('102', { ringTime: 25 })]);
  const d = decideRoute(cfg, platform, internal('101', '102'));
  assert.equal(d.action, 'route');
  assert.deepEqual(plan(d), [
    [[aor('102')], 25],
    [[vm('102')], 0],
  ]);
  assert.deepEqual(busy(d), [vm('102')]);
  // the mailbox is told which greeting to play: unavailable after no answer, busy on the busy branch
  assert.equal(d.action === 'route' && d.steps[1]!.headers?.['X-Switchboard-Voicemail'], 'deposit;mailbox=102;account=acme');
  assert.equal(d.action === 'route' && d.onBusy?.headers?.['X-Switchboard-Voicemail'], 'deposit;mailbox=102;account=acme;reason=busy');
  assert.equal(d.action === 'route' && d.kind, 'internal');
  assert.deepEqual(d.action === 'route' && d.callerId, { number: '101', display: 'User 101', withheld: false });
});

test('ring plans: table of features → steps and busy branch', () => {
  const cases: Array<{ name: string; callee: UserOpts; others?: RoutingUser[]; steps: Array<[string[], number]>; busy: string[] | null }> = [
    { name: 'voicemail off: devices only, busy passes through', callee: { vmEnabled: false }, steps: [[[aor('102')], 20]], busy: null },
    {
      name: 'divert all to an extension',
      callee: { features: { divertAll: { enabled: true, destination: '103' } } },
      others: [user('103', { ringTime: 30 })],
      steps: [[[aor('103')], 30]],
      busy: null,
    },
    { name: 'divert all to an external number', callee: { features: { divertAll: { enabled: true, destination: '+61412345678' } } }, steps: [[[gw('+61412345678')], 60]], busy: null },
    {
      name: 'divert all to a disabled extension is ignored',
      callee: { features: { divertAll: { enabled: true, destination: '103' } } },
      others: [user('103', { enabled: false })],
      steps: [
        [[aor('102')], 20],
        [[vm('102')], 0],
      ],
      busy: [vm('102')],
    },
    { name: 'divert all disabled flag wins over a destination', callee: { features: { divertAll: { enabled: false, destination: '+61412345678' } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    {
      name: 'divert on no answer replaces voicemail',
      callee: { features: { divertNoAnswer: { enabled: true, destination: '103' } } },
      others: [user('103')],
      steps: [
        [[aor('102')], 20],
        [[aor('103')], 20],
      ],
      busy: [vm('102')],
    },
    {
      name: 'divert on busy',
      callee: { features: { divertBusy: { enabled: true, destination: '+61298765432' } } },
      steps: [
        [[aor('102')], 20],
        [[vm('102')], 0],
      ],
      busy: [gw('+61298765432')],
    },
    {
      name: 'smart calling sequential',
      callee: { features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 10, type: 'sequential' } } },
      steps: [
        [[aor('102')], 10],
        [[gw('+61412345678')], 20],
        [[vm('102')], 0],
      ],
      busy: [vm('102')],
    },
    {
      name: 'smart calling parallel',
      callee: { features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 10, type: 'parallel' } } },
      steps: [
        [[aor('102'), gw('+61412345678')], 20],
        [[vm('102')], 0],
      ],
      busy: [vm('102')],
    },
    {
      name: 'smart calling parallel delayed',
      callee: { features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'parallel_delayed' } } },
      steps: [
        [[aor('102')], 5],
        [[aor('102'), gw('+61412345678')], 20],
        [[vm('102')], 0],
      ],
      busy: [vm('102')],
    },
    { name: 'smart calling enabled without a number rings devices only', callee: { features: { smartCalling: { enabled: true, number: null } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    {
      name: 'smart calling + divert on no answer + divert on busy',
      callee: { vmEnabled: false, features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 10, type: 'sequential' }, divertNoAnswer: { enabled: true, destination: '103' }, divertBusy: { enabled: true, destination: '103' } } },
      others: [user('103', { ringTime: 15 })],
      steps: [
        [[aor('102')], 10],
        [[gw('+61412345678')], 20],
        [[aor('103')], 15],
      ],
      busy: [aor('103')],
    },
  ];
  for (const c of cases) {
    const cfg = config([user('101'), user('102', c.callee), ...(c.others ?? [])]);
    const d = decideRoute(cfg, platform, internal('101', '102'));
    assert.deepEqual(plan(d), c.steps, c.name);
    assert.deepEqual(busy(d), c.busy, c.name);
  }
});

test('diversions carry a Diversion header naming the diverting extension', () => {
  const cfg = config([user('101'), user('102', { features: { divertAll: { enabled: true, destination: '+61412345678' } } })]);
  const d = decideRoute(cfg, platform, internal('101', '102'));
  assert.equal(d.action, 'route');
  if (d.action !== 'route') return;
  assert.equal(d.steps[0]!.headers?.Diversion, `<sip:102@${REALM}>;reason=unconditional`);
});

const NO_CALLS = { enabledCalls: { local: false, national: false, mobile: false, international: false } };

test('external legs of a ring plan (diversions to numbers, smart-call mobile) obey the diverting user\'s enabled calls', () => {
  const intl = '+14155552671';
  const nzNumber = '+6493001234';
  const cases: Array<{ name: string; callee: UserOpts; inbound?: boolean; steps: Array<[string[], number]>; busy: string[] | null }> = [
    // divert all: a forbidden number is ignored like a disabled extension (devices, then voicemail)
    { name: 'divert all: international forbidden by default', callee: { features: { divertAll: { enabled: true, destination: intl } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'divert all: international forbidden, inbound DDI call', inbound: true, callee: { features: { divertAll: { enabled: true, destination: intl } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'divert all: international when enabled', callee: { security: { enabledCalls: { international: true } }, features: { divertAll: { enabled: true, destination: intl } } }, steps: [[[gw(intl)], 60]], busy: null },
    { name: 'divert all: NZ is international from an AU office', callee: { features: { divertAll: { enabled: true, destination: nzNumber } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'divert all: an AU mobile is international from an NZ office', callee: { officeId: 'nz', features: { divertAll: { enabled: true, destination: '+61412345678' } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'divert all: NZ number is national from an NZ office', callee: { officeId: 'nz', features: { divertAll: { enabled: true, destination: nzNumber } } }, steps: [[[gw(nzNumber)], 60]], busy: null },
    { name: 'divert all: mobile forbidden', callee: { security: { enabledCalls: { mobile: false } }, features: { divertAll: { enabled: true, destination: '+61412345678' } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'divert all: local forbidden', callee: { security: { enabledCalls: { local: false } }, features: { divertAll: { enabled: true, destination: '+61291234567' } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'divert all: to an extension is not an external call', callee: { security: NO_CALLS, features: { divertAll: { enabled: true, destination: '103' } } }, steps: [[[aor('103')], 20]], busy: null },
    // divert on no answer: skipped → voicemail
    { name: 'no answer: international forbidden → voicemail', callee: { features: { divertNoAnswer: { enabled: true, destination: intl } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'no answer: national forbidden, no voicemail → devices only', callee: { vmEnabled: false, security: { enabledCalls: { national: false } }, features: { divertNoAnswer: { enabled: true, destination: '+61398765432' } } }, steps: [[[aor('102')], 20]], busy: null },
    { name: 'no answer: national allowed', callee: { features: { divertNoAnswer: { enabled: true, destination: '+61398765432' } } }, steps: [[[aor('102')], 20], [[gw('+61398765432')], 60]], busy: [vm('102')] },
    // divert on busy: skipped → the busy branch is voicemail (or nothing)
    { name: 'busy: international forbidden → voicemail', callee: { features: { divertBusy: { enabled: true, destination: intl } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'busy: national forbidden, no voicemail → no busy branch', callee: { vmEnabled: false, security: { enabledCalls: { national: false } }, features: { divertBusy: { enabled: true, destination: '+61398765432' } } }, steps: [[[aor('102')], 20]], busy: null },
    { name: 'busy: international when enabled', callee: { security: { enabledCalls: { international: true } }, features: { divertBusy: { enabled: true, destination: intl } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [gw(intl)] },
    // smart calling: a forbidden mobile leg means no smart calling (devices for the ring time)
    ...(['sequential', 'parallel', 'parallel_delayed'] as const).map((type) => ({
      name: `smart calling ${type}: international mobile forbidden`,
      callee: { features: { smartCalling: { enabled: true, number: intl, timeout: 5, type } } },
      steps: [[[aor('102')], 20], [[vm('102')], 0]] as Array<[string[], number]>,
      busy: [vm('102')],
    })),
    { name: 'smart calling sequential: mobile calls forbidden', callee: { security: { enabledCalls: { mobile: false } }, features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'sequential' } } }, steps: [[[aor('102')], 20], [[vm('102')], 0]], busy: [vm('102')] },
    { name: 'smart calling parallel: international when enabled', callee: { security: { enabledCalls: { international: true } }, features: { smartCalling: { enabled: true, number: intl, timeout: 5, type: 'parallel' } } }, steps: [[[aor('102'), gw(intl)], 20], [[vm('102')], 0]], busy: [vm('102')] },
    // everything at once: nothing external allowed, voicemail catches the call
    {
      name: 'all external legs forbidden',
      callee: { security: NO_CALLS, features: { divertAll: { enabled: true, destination: '+61398765432' }, smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'parallel' }, divertNoAnswer: { enabled: true, destination: '+61291234567' }, divertBusy: { enabled: true, destination: '+61412345678' } } },
      steps: [[[aor('102')], 20], [[vm('102')], 0]],
      busy: [vm('102')],
    },
  ];
  for (const c of cases) {
    const cfg = config([user('101'), user('102', c.callee), user('103')], [['+61291234502', 'id-102']]);
    const d = c.inbound ? decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234502' }) : decideRoute(cfg, platform, internal('101', '102'));
    assert.deepEqual(plan(d), c.steps, c.name);
    assert.deepEqual(busy(d), c.busy, c.name);
  }
  // the caller's own enabled calls do not matter: it is the diverting user's call
  const cfg = config([user('101', { security: NO_CALLS }), user('102', { security: { enabledCalls: { international: true } }, features: { divertAll: { enabled: true, destination: intl } } })]);
  assert.deepEqual(plan(decideRoute(cfg, platform, internal('101', '102'))), [[[gw(intl)], 60]]);
});

/** Header lines of an rtjson `extra`, order-insensitive. */
const lines = (extra: string | undefined) => (extra ?? '').split('\r\n').filter(Boolean).sort();

test('external legs present the diverting user\'s outbound caller ID, never the internal identity', () => {
  const divert = (destination: string) => ({ divertAll: { enabled: true, destination } });
  const cases: Array<{ name: string; callee: UserOpts; inbound?: boolean; extra: string; also?: boolean }> = [
    { name: 'office default', callee: { features: divert('+61412345678') }, extra: `P-Asserted-Identity: <sip:+61291234500@${REALM}>\r\nDiversion: <sip:102@${REALM}>;reason=unconditional\r\n` },
    { name: 'own outbound number', callee: { outboundNumber: '+61291234502', features: divert('+61412345678') }, extra: `P-Asserted-Identity: <sip:+61291234502@${REALM}>\r\nDiversion: <sip:102@${REALM}>;reason=unconditional\r\n` },
    { name: 'hide caller ID: withheld', callee: { hideCallerId: true, features: divert('+61412345678') }, extra: `P-Asserted-Identity: <sip:+61291234500@${REALM}>\r\nPrivacy: id\r\nDiversion: <sip:102@${REALM}>;reason=unconditional\r\n` },
    { name: 'no outbound number anywhere: the internal identity is removed', callee: { officeId: 'nz', features: divert('+6493001234') }, extra: `Diversion: <sip:102@${REALM}>;reason=unconditional\r\n` },
    { name: 'pickup group stays internal', callee: { pickupGroup: 'sales', features: divert('+61412345678') }, extra: `P-Asserted-Identity: <sip:+61291234500@${REALM}>\r\nDiversion: <sip:102@${REALM}>;reason=unconditional\r\n` },
    { name: 'inbound call diverted out', inbound: true, callee: { outboundNumber: '+61291234502', features: divert('+61412345678') }, extra: `P-Asserted-Identity: <sip:+61291234502@${REALM}>\r\nDiversion: <sip:102@${REALM}>;reason=unconditional\r\n` },
    { name: 'smart calling sequential mobile', callee: { hideCallerId: true, features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'sequential' } } }, extra: `P-Asserted-Identity: <sip:+61291234500@${REALM}>\r\nPrivacy: id\r\n` },
    { name: 'smart calling parallel mobile (also branch)', also: true, callee: { outboundNumber: '+61291234502', features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'parallel' } } }, extra: `P-Asserted-Identity: <sip:+61291234502@${REALM}>\r\n` },
  ];
  for (const c of cases) {
    const cfg = config([user('101', { outboundNumber: '+61299999999' }), user('102', c.callee)], [['+61291234502', 'id-102']]);
    const doc = toRtjson(c.inbound ? decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234502' }) : decideRoute(cfg, platform, internal('101', '102')));
    const route = doc.routes!.find((r) => (c.also ? (r.also ?? '') : r.uri).startsWith('sip:+'))!;
    assert.ok(route, c.name);
    assert.deepEqual(lines(c.also ? route.also_headers?.extra : route.headers?.extra), lines(c.extra), c.name);
    if (c.also) assert.match(route.headers!.extra, /^P-Asserted-Identity: "User 101" <sip:101@/, `${c.name}: the devices still see the caller`);
  }
  // the busy branch to a number too
  const cfg = config([user('101'), user('102', { hideCallerId: true, features: { divertBusy: { enabled: true, destination: '+61298765432' } } })]);
  assert.deepEqual(lines(toRtjson(decideRoute(cfg, platform, internal('101', '102'))).busy!.headers!.extra), lines(`P-Asserted-Identity: <sip:+61291234500@${REALM}>\r\nPrivacy: id\r\nDiversion: <sip:102@${REALM}>;reason=user-busy\r\n`));
});

test('emergency numbers are checked before extensions: an extension equal to one still reaches emergency services', () => {
  // 111 and 112 could be extensions before an office of a country where they are emergency numbers was added
  const cfg = config([user('101'), user('102', { officeId: 'nz' }), user('111'), user('112')]);
  const cases: Array<{ name: string; from: string; dial: string; kind: string; uri: string }> = [
    { name: 'AU caller, 112 (an extension)', from: '101', dial: '112', kind: 'emergency', uri: gw('112') },
    { name: 'NZ caller, 111 (an extension)', from: '102', dial: '111', kind: 'emergency', uri: gw('111') },
    { name: 'NZ caller, 112 (an extension)', from: '102', dial: '112', kind: 'emergency', uri: gw('112') },
    { name: 'AU caller, 111 is not an AU emergency number: the extension', from: '101', dial: '111', kind: 'internal', uri: aor('111') },
  ];
  for (const c of cases) {
    const d = decideRoute(cfg, platform, internal(c.from, c.dial));
    assert.equal(d.action === 'route' && d.kind, c.kind, c.name);
    assert.equal(plan(d)[0]![0][0], c.uri, c.name);
  }
});

test('refusals: unknown caller, disabled caller, disabled callee, unknown extension, unknown service', () => {
  const cfg = config([user('101'), user('102', { enabled: false }), user('103')]);
  const cases: Array<[RouteRequest, number, RegExp]> = [
    [{ source: 'internal', from: 'nobody', to: '103' }, 403, /caller/],
    [internal('102', '103'), 403, /caller/],
    [internal('101', '102'), 480, /disabled/],
    [internal('101', '109'), 404, /extension/],
    [internal('101', '*97'), 404, /service/],
  ];
  for (const [req, code, reason] of cases) {
    const d = decideRoute(cfg, platform, req);
    assert.equal(d.action, 'reject', JSON.stringify(req));
    if (d.action === 'reject') {
      assert.equal(d.code, code, JSON.stringify(req));
      assert.match(d.reason, reason);
    }
  }
});

test('outbound calls: classification against the office country and enabled call types', () => {
  const cases: Array<{ name: string; dial: string; security?: unknown; office?: string; expect: { code?: number; kind?: string; uri?: string } }> = [
    { name: 'local (same area code)', dial: '0291234567', expect: { kind: 'local', uri: gw('+61291234567') } },
    { name: '8-digit local gets the office area code', dial: '91234567', expect: { kind: 'local', uri: gw('+61291234567') } },
    { name: 'national', dial: '0398765432', expect: { kind: 'national', uri: gw('+61398765432') } },
    { name: 'mobile', dial: '0412345678', expect: { kind: 'mobile', uri: gw('+61412345678') } },
    { name: 'international forbidden by default', dial: '+14155552671', expect: { code: 403 } },
    { name: 'international when enabled', dial: '+14155552671', security: { enabledCalls: { international: true } }, expect: { kind: 'international', uri: gw('+14155552671') } },
    { name: 'international with the AU exit code', dial: '001114155552671', security: { enabledCalls: { international: true } }, expect: { kind: 'international', uri: gw('+14155552671') } },
    { name: 'mobile forbidden', dial: '0412345678', security: { enabledCalls: { mobile: false } }, expect: { code: 403 } },
    { name: 'national forbidden', dial: '0398765432', security: { enabledCalls: { national: false } }, expect: { code: 403 } },
    { name: 'local forbidden', dial: '91234567', security: { enabledCalls: { local: false } }, expect: { code: 403 } },
    { name: 'emergency 000 always allowed', dial: '000', security: { enabledCalls: { local: false, national: false, mobile: false, international: false } }, expect: { kind: 'emergency', uri: gw('000') } },
    { name: 'emergency 112 always allowed', dial: '112', security: { enabledCalls: { local: false, national: false, mobile: false, international: false } }, expect: { kind: 'emergency', uri: gw('112') } },
    { name: 'NZ office: 111 is emergency', dial: '111', office: 'nz', expect: { kind: 'emergency', uri: gw('111') } },
    { name: 'NZ office: an AU mobile is international', dial: '+61412345678', office: 'nz', expect: { code: 403 } },
    { name: 'invalid number', dial: '0299', expect: { code: 484 } },
    { name: 'garbage', dial: '12345678901234', expect: { code: 484 } },
  ];
  for (const c of cases) {
    const cfg = config([user('101', { security: c.security, officeId: c.office ?? 'syd' })]);
    const d = decideRoute(cfg, platform, internal('101', c.dial));
    if (c.expect.code) {
      assert.equal(d.action, 'reject', c.name);
      if (d.action === 'reject') assert.equal(d.code, c.expect.code, c.name);
    } else {
      assert.equal(d.action, 'route', `${c.name}: ${JSON.stringify(d)}`);
      if (d.action !== 'route') continue;
      assert.equal(d.kind, c.expect.kind, c.name);
      assert.deepEqual(plan(d), [[[c.expect.uri!], 0]], c.name);
    }
  }
  const refused = decideRoute(config([user('101')]), platform, internal('101', '+14155552671'));
  assert.deepEqual(refused, { action: 'reject', code: 403, reason: 'Forbidden - international calls are not enabled for extension 101' });
});

test('caller ID: user outbound number, else office default, withheld when hidden, never for emergency', () => {
  const cases: Array<{ name: string; u: UserOpts; dial: string; number: string | null; withheld: boolean; headers: Record<string, string> }> = [
    { name: 'office default', u: {}, dial: '0412345678', number: '+61291234500', withheld: false, headers: { 'P-Asserted-Identity': `<sip:+61291234500@${REALM}>` } },
    { name: 'own number', u: { outboundNumber: '+61291234501' }, dial: '0412345678', number: '+61291234501', withheld: false, headers: { 'P-Asserted-Identity': `<sip:+61291234501@${REALM}>` } },
    { name: 'hidden', u: { hideCallerId: true }, dial: '0412345678', number: '+61291234500', withheld: true, headers: { 'P-Asserted-Identity': `<sip:+61291234500@${REALM}>`, Privacy: 'id' } },
    { name: 'emergency not withheld', u: { hideCallerId: true }, dial: '000', number: '+61291234500', withheld: false, headers: { 'P-Asserted-Identity': `<sip:+61291234500@${REALM}>` } },
    { name: 'no number anywhere', u: { officeId: 'nz' }, dial: '+6493001234', number: null, withheld: false, headers: {} },
  ];
  for (const c of cases) {
    const cfg = config([user('101', { ...c.u, security: { enabledCalls: { international: true } } })]);
    const d = decideRoute(cfg, platform, internal('101', c.dial));
    assert.equal(d.action, 'route', c.name);
    if (d.action !== 'route') continue;
    assert.deepEqual(d.callerId, { number: c.number, display: null, withheld: c.withheld }, c.name);
    assert.deepEqual(d.headers, c.headers, c.name);
  }
});

test('emergency caller ID: the office\'s outbound number, else the account\'s main number, else the user\'s; never refused, never withheld', () => {
  const offices = [
    { id: 'syd', country: 'AU', areaCode: '02', defaultOutboundNumber: '+61291234500' },
    { id: 'mel', country: 'AU', areaCode: '03', defaultOutboundNumber: null },
  ];
  const cases: Array<{ name: string; u: UserOpts; offices?: typeof offices; numbers?: Array<[string, string | null]>; mainNumber?: string | null; number: string | null }> = [
    { name: 'office number, even over the user\'s own', u: { outboundNumber: '+61291234599' }, number: '+61291234500' },
    { name: 'office number, hidden caller ID ignored', u: { hideCallerId: true }, number: '+61291234500' },
    { name: 'office without one: the account\'s main number (first office with one)', u: { officeId: 'mel' }, number: '+61291234500' },
    { name: 'office without one, user\'s own number ignored while the account has a main number', u: { officeId: 'mel', outboundNumber: '+61391230001' }, number: '+61291234500' },
    { name: 'no office has one: the account\'s lowest number', u: { officeId: 'mel' }, offices: offices.map((o) => ({ ...o, defaultOutboundNumber: null })), numbers: [['+61391230009', null], ['+61391230002', 'id-101']], number: '+61391230002' },
    { name: 'no office number, no account number: the user\'s own', u: { officeId: 'mel', outboundNumber: '+61391230001' }, offices: offices.map((o) => ({ ...o, defaultOutboundNumber: null })), mainNumber: null, number: '+61391230001' },
    { name: 'no number at all: still routed, without caller ID', u: { officeId: 'mel' }, offices: offices.map((o) => ({ ...o, defaultOutboundNumber: null })), number: null },
  ];
  for (const c of cases) {
    const cfg = makeConfig({ accountId: 'acc', code: 'acme', realm: REALM, country: 'AU', offices: c.offices ?? offices, users: [user('101', { ...c.u, security: NO_CALLS })], numbers: c.numbers ?? [], ...(c.mainNumber !== undefined && { mainNumber: c.mainNumber }) });
    for (const dial of ['000', '112']) {
      const d = decideRoute(cfg, platform, internal('101', dial));
      assert.equal(d.action, 'route', `${c.name} (${dial})`);
      if (d.action !== 'route') continue;
      assert.equal(d.kind, 'emergency', c.name);
      assert.deepEqual(d.callerId, { number: c.number, display: null, withheld: false }, c.name);
      assert.deepEqual(d.headers, c.number ? { 'P-Asserted-Identity': `<sip:${c.number}@${REALM}>` } : {}, c.name);
      // what Kamailio presents to the carrier as From: the number, or anonymous when there is none
      const route = toRtjson(d).routes![0]!;
      assert.equal(route.uri, gw(dial));
      assert.equal(route.from_user, c.number ?? 'anonymous', c.name);
    }
  }
});

test('branches to the carrier carry the From user Kamailio presents (never the SIP username): number, or anonymous when withheld', () => {
  const cfg = config([user('101', { hideCallerId: true }), user('102', { outboundNumber: '+61291234501', features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'parallel' } } }), user('103')]);
  const hidden = toRtjson(decideRoute(cfg, platform, internal('101', '0412345678')));
  assert.equal(hidden.routes![0]!.from_user, 'anonymous');
  const shown = toRtjson(decideRoute(cfg, platform, internal('103', '0412345678')));
  assert.equal(shown.routes![0]!.from_user, '+61291234500');
  // a user's devices (not the carrier) get no from_user; the smart-call mobile beside them does
  const smart = toRtjson(decideRoute(cfg, platform, internal('103', '102')));
  const withAlso = smart.routes!.find((r) => r.also)!;
  assert.equal(withAlso.from_user, undefined);
  assert.equal(withAlso.also_from_user, '+61291234501');
  for (const r of smart.routes!) if (!r.uri.includes('gw.test')) assert.equal(r.from_user, undefined);
});

test('777 is voicemail access for the caller; refused when their voicemail is off', () => {
  const cfg = config([user('101'), user('102', { vmEnabled: false })]);
  const d = decideRoute(cfg, platform, internal('101', '777'));
  assert.equal(d.action, 'voicemail');
  if (d.action === 'voicemail') {
    assert.equal(d.mode, 'access');
    assert.equal(d.mailbox, '101');
    assert.deepEqual(plan(d), [[['sip:777@vm.test:5095'], 0]]);
    assert.equal(d.headers['X-Switchboard-Voicemail'], 'access;mailbox=101;account=acme');
  }
  assert.equal(decideRoute(cfg, platform, internal('102', '777')).action, 'reject');
});

test('pickup groups: *8 asks Kamailio for the oldest call ringing in the caller\'s group; 403 without a group', () => {
  const cfg = config([user('101', { pickupGroup: 'sales' }), user('102', { pickupGroup: 'sales' }), user('103')]);
  const pick = decideRoute(cfg, platform, internal('101', '*8'));
  assert.deepEqual(pick, { action: 'pickup', pickup: { account: 'acme', picker: '101', group: 'sales', extension: null } });
  assert.deepEqual(toRtjson(pick), {
    version: '1.0',
    action: 'pickup',
    pickup: { account: 'acme', picker: '101', group: 'sales', extension: null },
    code: 404,
    reason: 'Not Found - nothing to pick up',
  });
  assert.deepEqual(decideRoute(cfg, platform, internal('103', '*8')), { action: 'reject', code: 403, reason: 'Forbidden - no pickup group' });
  // a disabled user cannot pick up anything
  const off = config([user('101', { pickupGroup: 'sales', enabled: false }), user('102', { pickupGroup: 'sales' })]);
  assert.equal(decideRoute(off, platform, internal('101', '*8')).action, 'reject');
});

test('directed pickup **<ext>: same group, or a target in no group; never another group, oneself, a ring group or an unknown extension', () => {
  const cfg = config(
    [user('101', { pickupGroup: 'sales' }), user('102', { pickupGroup: 'sales' }), user('103'), user('104', { pickupGroup: 'support' }), user('105', { enabled: false })],
    [],
    [group('600', 'simultaneous', ['102', '103'])],
  );
  const cases: Array<[string, string, Decision]> = [
    ['101', '**102', { action: 'pickup', pickup: { account: 'acme', picker: '101', group: null, extension: '102' } }],
    // a target in no pickup group: any user of the account
    ['104', '**103', { action: 'pickup', pickup: { account: 'acme', picker: '104', group: null, extension: '103' } }],
    ['101', '**103', { action: 'pickup', pickup: { account: 'acme', picker: '101', group: null, extension: '103' } }],
    // the target's group is not the caller's (or the caller has none)
    ['104', '**102', { action: 'reject', code: 403, reason: 'Forbidden - extension 102 is in another pickup group' }],
    ['103', '**102', { action: 'reject', code: 403, reason: 'Forbidden - extension 102 is in another pickup group' }],
    ['102', '**102', { action: 'reject', code: 403, reason: 'Forbidden - cannot pick up a call to your own extension' }],
    ['101', '**105', { action: 'reject', code: 404, reason: 'Not Found - no extension 105 to pick up from' }],
    ['101', '**999', { action: 'reject', code: 404, reason: 'Not Found - no extension 999 to pick up from' }],
    ['101', '**600', { action: 'reject', code: 404, reason: 'Not Found - no extension 600 to pick up from' }],
    ['101', '**', { action: 'reject', code: 404, reason: 'Not Found - directed pickup is ** and an extension' }],
    ['101', '**12a', { action: 'reject', code: 404, reason: 'Not Found - directed pickup is ** and an extension' }],
  ];
  for (const [from, to, want] of cases) assert.deepEqual(decideRoute(cfg, platform, internal(from, to)), want, `${from} → ${to}`);
  // another tenant's extension is unknown in this account's configuration
  const other = config([user('201', { pickupGroup: 'sales' })]);
  assert.equal(decideRoute(other, platform, internal('201', '**102')).action, 'reject');
});

test('pickable calls: a call ringing a user\'s own devices is remembered under account, group and extension', () => {
  const cfg = config(
    [
      user('101', { pickupGroup: 'sales' }),
      user('102', { pickupGroup: 'sales' }),
      user('103'),
      user('104', { features: { divertAll: { enabled: true, destination: '102' } } }),
      user('107', { pickupGroup: 'sales', features: { smartCalling: { enabled: true, number: '+61412345678', type: 'parallel' } } }),
    ],
    [['+61291234502', 'id-102']],
    [group('600', 'simultaneous', ['102', '103'])],
  );
  const call = decideRoute(cfg, platform, internal('103', '102'));
  assert.equal(call.action === 'route' && call.headers['X-Switchboard-Pickup-Group'], 'sales;account=acme');
  assert.deepEqual(call.action === 'route' && call.pickable, { account: 'acme', group: 'sales', extension: '102', caller: '103' });
  assert.deepEqual(toRtjson(call).pickable, { account: 'acme', group: 'sales', extension: '102', caller: '103' });
  // an outside caller (DDI): no calling extension
  const inbound = decideRoute(cfg, platform, { source: 'trunk', from: '0412345678', to: '+61291234502' });
  assert.deepEqual(inbound.action === 'route' && inbound.pickable, { account: 'acme', group: 'sales', extension: '102', caller: null });
  // a user in no group: remembered for directed pickup
  assert.deepEqual(toRtjson(decideRoute(cfg, platform, internal('101', '103'))).pickable, { account: 'acme', group: null, extension: '103', caller: '101' });
  // smart calling in parallel still rings the user's devices: pickable
  assert.equal(toRtjson(decideRoute(cfg, platform, internal('101', '107'))).pickable?.extension, '107');
  // divert all rings someone else's phones: not pickable as 104's call
  assert.equal(toRtjson(decideRoute(cfg, platform, internal('101', '104'))).pickable, undefined);
  // ring group calls, external calls and refusals carry nothing
  assert.equal(toRtjson(decideRoute(cfg, platform, internal('101', '600'))).pickable, undefined);
  assert.equal(toRtjson(decideRoute(cfg, platform, internal('101', '0298765432'))).pickable, undefined);
  assert.equal(toRtjson(decideRoute(cfg, platform, internal('101', '999'))).pickable, undefined);
});

test('direct numbers: inbound DDI rings its user; spare and unknown numbers are refused; own DDI dialled stays internal', () => {
  const cfg = config([user('101'), user('102', { ringTime: 30 })], [
    ['+61291234502', 'id-102'],
    ['+61291234503', null],
  ]);
  for (const to of ['+61291234502', '61291234502']) {
    const d = decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to });
    assert.equal(d.action, 'route', to);
    if (d.action === 'route') {
      assert.equal(d.kind, 'inbound');
      assert.deepEqual(plan(d), [
        [[aor('102')], 30],
        [[vm('102')], 0],
      ]);
      assert.deepEqual(d.callerId, { number: '+61412000000', display: null, withheld: false });
    }
  }
  assert.equal(decideRoute(cfg, platform, { source: 'trunk', from: 'x', to: '+61291234503' }).action, 'reject');
  assert.equal(decideRoute(cfg, platform, { source: 'trunk', from: 'x', to: '+61299999999' }).action, 'reject');
  assert.equal(decideRoute(cfg, platform, { source: 'trunk', from: 'x', to: '102' }).action, 'reject');
  const hairpin = decideRoute(cfg, platform, internal('101', '0291234502'));
  assert.equal(hairpin.action === 'route' && hairpin.kind, 'internal');
  assert.deepEqual(plan(hairpin)[0], [[aor('102')], 30]);
});

test('helpers: area code, inbound candidates, ring plan of a user', () => {
  assert.equal(applyAreaCode('91234567', { country: 'AU', areaCode: '02' }), '0291234567');
  assert.equal(applyAreaCode('91234567', { country: 'AU', areaCode: '2' }), '0291234567');
  assert.equal(applyAreaCode('0291234567', { country: 'AU', areaCode: '02' }), '0291234567');
  assert.equal(applyAreaCode('91234567', { country: 'AU', areaCode: null }), '91234567');
  assert.equal(applyAreaCode('91234567', { country: 'NZ', areaCode: '09' }), '91234567');
  assert.deepEqual(inboundCandidates('+61 2 9123 4500'), ['+61291234500']);
  assert.deepEqual(inboundCandidates('abc'), []);
  const cfg = config([user('101')]);
  assert.equal(ringPlan(cfg, platform, cfg.users.get('101')!).steps.length, 2);
});

test('rtjson document: serial steps with timers, headers, also and busy; reject carries code and reason', () => {
  const cfg = config([user('101'), user('102', { features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'parallel' } } })]);
  const doc = toRtjson(decideRoute(cfg, platform, internal('101', '102')));
  assert.equal(doc.version, '1.0');
  assert.equal(doc.routing, 'serial');
  assert.equal(doc.action, 'route');
  assert.equal(doc.routes!.length, 2);
  assert.deepEqual(doc.routes![0], {
    uri: aor('102'),
    fr_inv_timer: 20000,
    headers: { extra: `P-Asserted-Identity: "User 101" <sip:101@${REALM}>\r\n` },
    also: gw('+61412345678'),
    also_headers: { extra: `P-Asserted-Identity: <sip:+61291234500@${REALM}>\r\n` },
    also_from_user: '+61291234500',
    why: 'devices and mobile (smart calling: parallel)',
  });
  assert.equal(doc.routes![1]!.fr_inv_timer, undefined);
  assert.match(doc.routes![1]!.headers!.extra, /X-Switchboard-Voicemail: deposit;mailbox=102;account=acme\r\n/);
  assert.equal(doc.busy!.uri, vm('102'));
  assert.deepEqual(toRtjson({ action: 'reject', code: 403, reason: 'Forbidden - x' }), { version: '1.0', action: 'reject', code: 403, reason: 'Forbidden - x' });
  // header values can never inject a new header line
  const evil = config([user('101', { displayName: 'Eve\r\nX-Evil: 1' }), user('102')]);
  const extra = toRtjson(decideRoute(evil, platform, internal('101', '102'))).routes![0]!.headers!.extra;
  assert.equal(extra.split('\r\n').length, 2);
});

test('classifyOutbound (one parse, memoised) agrees with shared classifyDialled + toE164', () => {
  const numbers = ['0291234567', '0398765432', '0412345678', '+14155552671', '001114155552671', '0299', '12345678901234', '+6493001234', '093001234', '+61412345678', '0755512345', '+442079460000', '1300123456'];
  for (const country of ['AU', 'NZ', 'GB']) {
    for (const areaCode of ['02', null]) {
      for (const n of numbers) {
        const expected = classifyDialled(n, country, areaCode);
        for (let i = 0; i < 2; i++) {
          const got = classifyOutbound(n, country, areaCode);
          assert.equal(got.kind, expected === 'emergency' ? 'invalid' : expected, `${n} in ${country}/${areaCode}`);
          if (got.kind !== 'invalid') {
            const e = toE164(n, country);
            assert.ok(e.ok && e.e164 === got.e164, `${n} in ${country}: ${got.e164}`);
          }
        }
      }
    }
  }
});

test('ring groups: dialling the group extension, table of strategies × members', () => {
  const cases: Array<{ name: string; g: RoutingRingGroup; users?: RoutingUser[]; from?: string; steps?: Array<[string[], number]>; reject?: number }> = [
    { name: 'simultaneous: every member in one step for the group ring time', g: group('600', 'simultaneous', ['102', '103', '104']), steps: [[[aor('102'), aor('103'), aor('104')], 15]] },
    { name: 'simultaneous keeps member order', g: group('600', 'simultaneous', ['104', '102']), steps: [[[aor('104'), aor('102')], 15]] },
    {
      name: 'sequential: one member per step, the group ring time each',
      g: group('600', 'sequential', ['103', '102', '104'], 10),
      steps: [
        [[aor('103')], 10],
        [[aor('102')], 10],
        [[aor('104')], 10],
      ],
    },
    {
      name: 'disabled members are skipped',
      g: group('600', 'sequential', ['102', '103', '104']),
      users: [user('101'), user('102'), user('103', { enabled: false }), user('104')],
      steps: [
        [[aor('102')], 15],
        [[aor('104')], 15],
      ],
    },
    { name: 'disabled member skipped (simultaneous)', g: group('600', 'simultaneous', ['102', '103']), users: [user('101'), user('102', { enabled: false }), user('103')], steps: [[[aor('103')], 15]] },
    { name: "the caller's own phones do not ring", g: group('600', 'simultaneous', ['101', '102']), steps: [[[aor('102')], 15]] },
    {
      name: "members' own divert all, smart calling, voicemail and ring time are not followed",
      g: group('600', 'simultaneous', ['102', '103']),
      users: [
        user('101'),
        user('102', { ringTime: 40, features: { divertAll: { enabled: true, destination: '+61412345678' } } }),
        user('103', { features: { smartCalling: { enabled: true, number: '+61412345678', timeout: 5, type: 'parallel' }, divertNoAnswer: { enabled: true, destination: '101' } } }),
        user('104'),
      ],
      steps: [[[aor('102'), aor('103')], 15]],
    },
    { name: 'no members: 480', g: group('600', 'simultaneous', []), reject: 480 },
    { name: 'only disabled members: 480', g: group('600', 'sequential', ['102']), users: [user('101'), user('102', { enabled: false })], reject: 480 },
    { name: 'only the caller: 480', g: group('600', 'simultaneous', ['101']), reject: 480 },
    { name: 'unknown member ids are ignored', g: { ...group('600', 'simultaneous', ['102']), memberIds: ['gone', 'id-102'] }, steps: [[[aor('102')], 15]] },
  ];
  for (const c of cases) {
    const cfg = config(c.users ?? [user('101'), user('102'), user('103'), user('104')], [], [c.g]);
    const d = decideRoute(cfg, platform, internal(c.from ?? '101', '600'));
    if (c.reject) {
      assert.equal(d.action, 'reject', c.name);
      if (d.action === 'reject') assert.equal(d.code, c.reject, c.name);
      continue;
    }
    assert.deepEqual(plan(d), c.steps, c.name);
    assert.equal(d.action, 'route');
    if (d.action !== 'route') continue;
    assert.equal(d.kind, 'internal', c.name);
    assert.equal(d.onBusy, null, `${c.name}: a busy member does not end the group call`);
    assert.deepEqual(d.ringGroup, { extension: '600', noAnswer: { code: 480, reason: 'Temporarily Unavailable - no answer' } }, c.name);
    assert.equal(d.headers['P-Asserted-Identity'], `"User 101" <sip:101@${REALM}>`, `${c.name}: the caller is asserted like an internal call`);
    for (const st of d.steps) assert.equal(st.headers?.['X-Switchboard-Ring-Group'], '600', c.name);
  }
});

test('ring groups: diversions of a user to a group extension (all / no answer / busy)', () => {
  const members = [user('103'), user('104')];
  const cases: Array<{ name: string; features: unknown; strategy: RoutingRingGroup['strategy']; groupMembers?: string[]; steps: Array<[string[], number]>; busy: string[] | null; ringGroup: boolean }> = [
    { name: 'divert all → simultaneous group', features: { divertAll: { enabled: true, destination: '600' } }, strategy: 'simultaneous', steps: [[[aor('103'), aor('104')], 15]], busy: null, ringGroup: true },
    {
      name: 'divert all → sequential group',
      features: { divertAll: { enabled: true, destination: '600' } },
      strategy: 'sequential',
      steps: [
        [[aor('103')], 15],
        [[aor('104')], 15],
      ],
      busy: null,
      ringGroup: true,
    },
    {
      name: 'divert all → group: the diverting user is not rung as a member',
      features: { divertAll: { enabled: true, destination: '600' } },
      strategy: 'simultaneous',
      groupMembers: ['102', '103'],
      steps: [[[aor('103')], 15]],
      busy: null,
      ringGroup: true,
    },
    {
      name: 'divert all → a group nobody can answer is ignored (devices, then voicemail)',
      features: { divertAll: { enabled: true, destination: '600' } },
      strategy: 'simultaneous',
      groupMembers: ['102'],
      steps: [
        [[aor('102')], 20],
        [[vm('102')], 0],
      ],
      busy: [vm('102')],
      ringGroup: false,
    },
    {
      name: 'divert on no answer → sequential group replaces voicemail',
      features: { divertNoAnswer: { enabled: true, destination: '600' } },
      strategy: 'sequential',
      steps: [
        [[aor('102')], 20],
        [[aor('103')], 15],
        [[aor('104')], 15],
      ],
      busy: [vm('102')],
      ringGroup: true,
    },
    {
      name: 'divert on busy → simultaneous group',
      features: { divertBusy: { enabled: true, destination: '600' } },
      strategy: 'simultaneous',
      steps: [
        [[aor('102')], 20],
        [[vm('102')], 0],
      ],
      busy: [aor('103'), aor('104')],
      ringGroup: true,
    },
    {
      name: 'divert on busy → sequential group rings its members together (the busy branch is one step)',
      features: { divertBusy: { enabled: true, destination: '600' } },
      strategy: 'sequential',
      steps: [
        [[aor('102')], 20],
        [[vm('102')], 0],
      ],
      busy: [aor('103'), aor('104')],
      ringGroup: true,
    },
  ];
  for (const c of cases) {
    const g = group('600', c.strategy, c.groupMembers ?? ['103', '104']);
    const cfg = config([user('101'), user('102', { features: c.features }), ...members], [], [g]);
    const d = decideRoute(cfg, platform, internal('101', '102'));
    assert.deepEqual(plan(d), c.steps, c.name);
    assert.deepEqual(busy(d), c.busy, c.name);
    assert.equal(d.action === 'route' && d.ringGroup?.extension, c.ringGroup ? '600' : undefined, c.name);
    if (d.action !== 'route') continue;
    for (const st of [...d.steps, ...(d.onBusy ? [d.onBusy] : [])].filter((x) => x.why.includes('ring group'))) {
      assert.equal(st.headers?.['X-Switchboard-Ring-Group'], '600', c.name);
      assert.match(st.headers?.Diversion ?? '', /^<sip:102@acme\.pbx\.test>;reason=(unconditional|no-answer|user-busy)$/, c.name);
    }
  }
  // inbound: a DDI of a user who diverts everything to a group rings the group (the caller is outside: nobody excluded)
  const cfg = config([user('101', { features: { divertAll: { enabled: true, destination: '600' } } }), ...members], [['+61291234502', 'id-101']], [group('600', 'simultaneous', ['101', '103', '104'])]);
  const inbound = decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234502' });
  assert.deepEqual(plan(inbound), [[[aor('103'), aor('104')], 15]]);
  assert.equal(inbound.action === 'route' && inbound.kind, 'inbound');
});

test('ring groups in the rtjson document: parallel AoRs in one step, ring_group and no_answer 480', () => {
  const cfg = config([user('101'), user('102', { pickupGroup: 'sales' }), user('103'), user('104')], [], [group('600', 'simultaneous', ['102', '103', '104'], 20), group('601', 'sequential', ['103', '104'], 10)]);
  const doc = toRtjson(decideRoute(cfg, platform, internal('101', '600')));
  assert.deepEqual(doc, {
    version: '1.0',
    action: 'route',
    routing: 'serial',
    kind: 'internal',
    routes: [
      {
        uri: aor('102'),
        fr_inv_timer: 20000,
        headers: { extra: `P-Asserted-Identity: "User 101" <sip:101@${REALM}>\r\nX-Switchboard-Ring-Group: 600\r\n` },
        parallel: [aor('103'), aor('104')],
        why: 'ring group 600 (simultaneous): 102, 103, 104',
      },
    ],
    ring_group: '600',
    no_answer: { code: 480, reason: 'Temporarily Unavailable - no answer' },
  });
  const seq = toRtjson(decideRoute(cfg, platform, internal('101', '601')));
  assert.deepEqual(
    seq.routes!.map((r) => [r.uri, r.fr_inv_timer, r.parallel]),
    [
      [aor('103'), 10000, undefined],
      [aor('104'), 10000, undefined],
    ],
  );
  assert.equal(seq.no_answer!.code, 480);
  // a user call diverting to a group: the group's steps drop the callee's pickup group header
  const div = config([user('101'), user('102', { pickupGroup: 'sales', features: { divertNoAnswer: { enabled: true, destination: '600' } } }), user('103'), user('104')], [], [group('600', 'simultaneous', ['103', '104'])]);
  const d = toRtjson(decideRoute(div, platform, internal('101', '102')));
  assert.match(d.routes![0]!.headers!.extra, /X-Switchboard-Pickup-Group: sales;account=acme/);
  assert.doesNotMatch(d.routes![1]!.headers!.extra, /Pickup-Group/);
  assert.match(d.routes![1]!.headers!.extra, /Diversion: <sip:102@acme\.pbx\.test>;reason=no-answer\r\n/);
  assert.deepEqual(d.routes![1]!.parallel, [aor('104')]);
  assert.equal(d.ring_group, '600');
  // a plain user call has no group fields
  const plain = toRtjson(decideRoute(cfg, platform, internal('101', '103')));
  assert.equal(plain.ring_group, undefined);
  assert.equal(plain.no_answer, undefined);
  assert.equal(plain.routes![0]!.parallel, undefined);
});

// ---------- office main number (Day/Night), *28, *29 ----------

function officeConfig(day: string, night: string, mode: 'day' | 'night', users: RoutingUser[], ringGroups: RoutingRingGroup[] = [], numbers: Array<[string, string | null]> = [['+61291234500', null]]) {
  return makeConfig({
    accountId: 'acc',
    code: 'acme',
    realm: REALM,
    country: 'AU',
    offices: [
      { id: 'syd', country: 'AU', areaCode: '02', defaultOutboundNumber: '+61291234500', dayNightMode: mode, dayDestination: day, nightDestination: night },
      { id: 'nz', country: 'NZ', areaCode: null, defaultOutboundNumber: null },
    ],
    users,
    numbers,
    ringGroups,
  });
}

test("office main number: the current mode's destination, table", () => {
  const people = () => [user('101'), user('102', { ringTime: 25 }), user('103', { enabled: false }), user('104', { vmEnabled: false })];
  const rg = [group('600', 'simultaneous', ['101', '102'], 15)];
  const cases: Array<{ name: string; day: string; night: string; mode: 'day' | 'night'; expect: Array<[string[], number]> | { code: number; reason: RegExp }; vmHeader?: string; group?: string }> = [
    { name: 'day: a user rings their ring plan', day: '102', night: 'voicemail:101', mode: 'day', expect: [[[aor('102')], 25], [[vm('102')], 0]] },
    { name: 'night: straight to a mailbox', day: '102', night: 'voicemail:101', mode: 'night', expect: [[[vm('101')], 0]], vmHeader: 'deposit;mailbox=101;account=acme' },
    { name: 'day: a ring group rings its members', day: '600', night: 'busy', mode: 'day', expect: [[[aor('101'), aor('102')], 15]], group: '600' },
    { name: 'night: busy → 486', day: '600', night: 'busy', mode: 'night', expect: { code: 486, reason: /^Busy Here/ } },
    { name: 'night: none → 480', day: '101', night: 'none', mode: 'night', expect: { code: 480, reason: /no night destination/ } },
    { name: 'day: unset (none) → 480', day: 'none', night: 'none', mode: 'day', expect: { code: 480, reason: /no day destination/ } },
    { name: 'a disabled user → 480', day: '103', night: 'none', mode: 'day', expect: { code: 480, reason: /user disabled/ } },
    { name: 'a mailbox with voicemail off → 480', day: 'voicemail:104', night: 'none', mode: 'day', expect: { code: 480, reason: /no mailbox 104/ } },
    { name: 'a destination that no longer exists → 480', day: '199', night: 'none', mode: 'day', expect: { code: 480, reason: /199 does not exist/ } },
    { name: 'malformed (old document) → 480', day: 'garbage', night: 'none', mode: 'day', expect: { code: 480, reason: /no day destination/ } },
  ];
  for (const c of cases) {
    const cfg = officeConfig(c.day, c.night, c.mode, people(), rg);
    const d = decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234500' });
    if (Array.isArray(c.expect)) {
      assert.deepEqual(plan(d), c.expect, c.name);
      if (c.vmHeader) {
        assert.equal(d.action, 'voicemail', c.name);
        assert.equal(toRtjson(d).routes?.[0]?.headers?.extra.includes(`X-Switchboard-Voicemail: ${c.vmHeader}\r\n`), true, c.name);
      }
      if (c.group) assert.equal(toRtjson(d).ring_group, c.group, c.name);
      if (d.action === 'route') assert.equal(d.kind, 'inbound', c.name);
    } else {
      assert.equal(d.action, 'reject', c.name);
      if (d.action === 'reject') {
        assert.equal(d.code, c.expect.code, c.name);
        assert.match(d.reason, c.expect.reason, c.name);
      }
    }
  }
});

test('office main number: a DDI assigned to a user still rings the user; a number that is nobody\'s main number stays 404', () => {
  const cfg = officeConfig('101', 'none', 'day', [user('101'), user('102')], [], [['+61291234500', 'id-102'], ['+61291234599', null]]);
  assert.deepEqual(plan(decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234500' }))[0], [[aor('102')], 20]);
  const spare = decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234599' });
  assert.deepEqual(spare, { action: 'reject', code: 404, reason: 'Not Found - number not assigned' });
  // an office whose mode and destinations were never set (older applied documents): day, none → 480
  const plain = config([user('101')], [['+61291234500', null]]);
  assert.equal((decideRoute(plain, platform, { source: 'trunk', from: 'x', to: '+61291234500' }) as { code: number }).code, 480);
});

test('*28: with the handset permission it sets the caller office to the other mode (an effect for the endpoint) and goes to the feature server', () => {
  const allowed = { security: { handsetManagement: { toggleDayNight: true } } };
  for (const [mode, next] of [['day', 'night'], ['night', 'day']] as const) {
    const cfg = officeConfig('101', 'none', mode, [user('101', allowed)]);
    const d = decideRoute(cfg, platform, internal('101', '*28'));
    assert.equal(d.action, 'route');
    if (d.action !== 'route') continue;
    assert.deepEqual(d.effect, { kind: 'dayNight', officeId: 'syd', userId: 'id-101', mode: next });
    assert.deepEqual(plan(d), [[['sip:*28@vm.test:5095'], 0]]);
    const doc = toRtjson(d);
    assert.match(doc.routes![0]!.headers!.extra, new RegExp(`X-Switchboard-Feature: daynight;mode=${next};account=acme;office=syd\\r\\n`));
    assert.equal('effect' in doc, false, 'the effect is not part of the document Kamailio gets');
  }
  const cfg = officeConfig('101', 'none', 'day', [user('101'), user('102', { security: { handsetManagement: { toggleDayNight: false } } })]);
  assert.deepEqual(decideRoute(cfg, platform, internal('101', '*28')), { action: 'reject', code: 403, reason: 'Forbidden - Day/Night is not allowed for extension 101' });
  assert.deepEqual(decideRoute(cfg, platform, internal('102', '*28')), { action: 'reject', code: 403, reason: 'Forbidden - Day/Night is not allowed for extension 102' });
});

test('*29: with the handset permission the caller mailbox options menu; without it 403', () => {
  const cfg = officeConfig('101', 'none', 'day', [
    user('101', { security: { handsetManagement: { updateRecordings: true } } }),
    user('102'),
    user('103', { vmEnabled: false, security: { handsetManagement: { updateRecordings: true } } }),
  ]);
  const d = decideRoute(cfg, platform, internal('101', '*29'));
  assert.equal(d.action, 'voicemail');
  assert.equal(d.action === 'voicemail' && d.mode, 'access');
  assert.equal(toRtjson(d).routes?.[0]?.headers?.extra, 'X-Switchboard-Voicemail: access;mailbox=101;account=acme;menu=options\r\n');
  assert.deepEqual(decideRoute(cfg, platform, internal('102', '*29')), { action: 'reject', code: 403, reason: 'Forbidden - updating recordings is not allowed for extension 102' });
  assert.deepEqual(decideRoute(cfg, platform, internal('103', '*29')), { action: 'reject', code: 403, reason: 'Forbidden - voicemail is not enabled for this user' });
});

// ---------- ring group fallback, DDIs that ring a group ----------

test('ring group fallback: after the members (simultaneous: the ring time; sequential: the last member), table', () => {
  const people = () => [user('101'), user('102'), user('103', { ringTime: 30 }), user('104', { vmEnabled: false }), user('105', { enabled: false })];
  type Fb = NonNullable<RoutingRingGroup['fallback']>;
  const cases: Array<{ name: string; strategy: RoutingRingGroup['strategy']; members: string[]; fallback?: Fb; from?: string; expect: Array<[string[], number]> | { code: number }; noAnswer?: number; vmHeader?: string }> = [
    { name: 'none: members only, 480', strategy: 'simultaneous', members: ['101', '102'], fallback: { kind: 'none', userId: null }, expect: [[[aor('101'), aor('102')], 15]], noAnswer: 480 },
    { name: 'absent (old document): as none', strategy: 'simultaneous', members: ['101', '102'], expect: [[[aor('101'), aor('102')], 15]], noAnswer: 480 },
    { name: 'simultaneous → user: their devices for their ring time', strategy: 'simultaneous', members: ['101', '102'], fallback: { kind: 'user', userId: 'id-103' }, expect: [[[aor('101'), aor('102')], 15], [[aor('103')], 30]], noAnswer: 480 },
    { name: 'sequential → user after the last member', strategy: 'sequential', members: ['101', '102'], fallback: { kind: 'user', userId: 'id-103' }, expect: [[[aor('101')], 15], [[aor('102')], 15], [[aor('103')], 30]], noAnswer: 480 },
    { name: 'simultaneous → voicemail of a mailbox', strategy: 'simultaneous', members: ['101', '102'], fallback: { kind: 'voicemail', userId: 'id-103' }, expect: [[[aor('101'), aor('102')], 15], [[vm('103')], 0]], vmHeader: 'deposit;mailbox=103;account=acme', noAnswer: 480 },
    { name: 'sequential → busy: 486 at the end', strategy: 'sequential', members: ['101', '102'], fallback: { kind: 'busy', userId: null }, expect: [[[aor('101')], 15], [[aor('102')], 15]], noAnswer: 486 },
    { name: 'fallback user disabled: skipped, 480', strategy: 'simultaneous', members: ['101'], fallback: { kind: 'user', userId: 'id-105' }, expect: [[[aor('101')], 15]], noAnswer: 480 },
    { name: 'fallback mailbox with voicemail off: skipped', strategy: 'simultaneous', members: ['101'], fallback: { kind: 'voicemail', userId: 'id-104' }, expect: [[[aor('101')], 15]], noAnswer: 480 },
    { name: 'fallback user gone: skipped', strategy: 'simultaneous', members: ['101'], fallback: { kind: 'user', userId: 'id-999' }, expect: [[[aor('101')], 15]], noAnswer: 480 },
    { name: 'no member can ring → straight to the fallback', strategy: 'simultaneous', members: ['105'], fallback: { kind: 'voicemail', userId: 'id-101' }, expect: [[[vm('101')], 0]], noAnswer: 480 },
    { name: 'no member, busy fallback → 486 at once', strategy: 'simultaneous', members: ['105'], fallback: { kind: 'busy', userId: null }, expect: { code: 486 } },
    { name: 'no member, no fallback → 480 at once', strategy: 'sequential', members: [], expect: { code: 480 } },
    { name: 'the caller is the fallback user: not rung', strategy: 'simultaneous', members: ['101', '102'], fallback: { kind: 'user', userId: 'id-103' }, from: '103', expect: [[[aor('101'), aor('102')], 15]], noAnswer: 480 },
    { name: 'disabled members are skipped; the fallback still follows', strategy: 'sequential', members: ['105', '102'], fallback: { kind: 'user', userId: 'id-101' }, expect: [[[aor('102')], 15], [[aor('101')], 20]], noAnswer: 480 },
  ];
  for (const c of cases) {
    const g: RoutingRingGroup = { ...group('600', c.strategy, c.members), ...(c.fallback && { fallback: c.fallback }) };
    const cfg = config(people(), [['+61291234599', null]], [g]);
    const d = decideRoute(cfg, platform, internal(c.from ?? '104', '600'));
    if (Array.isArray(c.expect)) {
      assert.deepEqual(plan(d), c.expect, c.name);
      const doc = toRtjson(d);
      assert.equal(doc.ring_group, '600', c.name);
      assert.equal(doc.no_answer?.code, c.noAnswer, c.name);
      // the fallback step is not a group member's branch: no ring group header on it
      const last = doc.routes!.at(-1)!;
      if (c.fallback && c.fallback.kind !== 'none' && c.fallback.kind !== 'busy' && c.expect.length > 1) assert.equal(last.headers?.extra.includes('X-Switchboard-Ring-Group'), false, c.name);
      if (c.vmHeader) assert.equal(last.headers?.extra.includes(`X-Switchboard-Voicemail: ${c.vmHeader}\r\n`), true, c.name);
    } else {
      assert.equal(d.action, 'reject', c.name);
      if (d.action === 'reject') assert.equal(d.code, c.expect.code, c.name);
    }
  }
});

test('ring group fallback after a diversion to the group (no answer), not in the one-step busy branch', () => {
  const g: RoutingRingGroup = { ...group('600', 'sequential', ['102', '103']), fallback: { kind: 'voicemail', userId: 'id-103' } };
  const cfg = config([user('101', { features: { divertNoAnswer: { enabled: true, destination: '600' }, divertBusy: { enabled: true, destination: '600' } } }), user('102'), user('103')], [], [g]);
  const d = decideRoute(cfg, platform, internal('102', '101'));
  assert.deepEqual(plan(d), [[[aor('101')], 20], [[aor('103')], 15], [[vm('103')], 0]]);
  assert.deepEqual(busy(d), [aor('103')]);
  const doc = toRtjson(d);
  assert.match(doc.routes![2]!.headers!.extra, /Diversion: <sip:101@acme\.pbx\.test>;reason=no-answer/);
  const busyGroup = { ...g, fallback: { kind: 'busy' as const, userId: null } };
  assert.equal(toRtjson(decideRoute(config([...cfg.usersById.values()], [], [busyGroup]), platform, internal('102', '101'))).no_answer?.code, 486);
});

test('a DDI assigned to a ring group rings the group (with its fallback); a user DDI and the office main number are unchanged', () => {
  const g: RoutingRingGroup = { ...group('600', 'simultaneous', ['101', '102']), fallback: { kind: 'user', userId: 'id-103' } };
  const cfg = makeConfig({
    accountId: 'acc',
    code: 'acme',
    realm: REALM,
    country: 'AU',
    offices: [{ id: 'syd', country: 'AU', areaCode: '02', defaultOutboundNumber: '+61291234500', dayNightMode: 'day', dayDestination: '102', nightDestination: 'none' }],
    users: [user('101'), user('102'), user('103')],
    numbers: [['+61291234560', null], ['+61291234561', 'id-101'], ['+61291234500', null], ['+61291234562', null]],
    ringGroups: [g],
    numberGroups: [['+61291234560', 'g-600']],
  });
  const trunk = (to: string) => decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to });
  const d = trunk('+61291234560');
  assert.deepEqual(plan(d), [[[aor('101'), aor('102')], 15], [[aor('103')], 20]]);
  assert.equal(d.action === 'route' && d.kind, 'inbound');
  assert.equal(toRtjson(d).ring_group, '600');
  assert.equal(toRtjson(trunk('61291234560')).ring_group, '600', 'without the +');
  assert.deepEqual(plan(trunk('+61291234561'))[0], [[aor('101')], 20]);
  assert.deepEqual(plan(trunk('+61291234500'))[0], [[aor('102')], 20]);
  const spare = trunk('+61291234562');
  assert.equal(spare.action === 'reject' && spare.code, 404);
});

// ---------- callback on busy (issue 14) ----------

test('callback on busy: an internal call to a user with Enable Callback gets the offer as its busy branch, with camp_on', () => {
  const cfg = config([user('101'), user('102', { features: { callbackOnBusy: true } })]);
  const d = decideRoute(cfg, platform, { source: 'internal', from: 'u101', to: '102' });
  assert.equal(d.action, 'route');
  if (d.action !== 'route') return;
  assert.deepEqual(d.onBusy?.targets.map((t) => t.uri), ['sip:callback@vm.test:5095']);
  assert.equal(d.onBusy?.headers?.['X-Switchboard-Callback'], 'offer;caller=101;callee=102;account=acme;vm=1');
  assert.equal(d.campOn, `sip:102@${REALM}`);
  const doc = toRtjson(d);
  assert.equal(doc.camp_on, `sip:102@${REALM}`);
  assert.equal(doc.busy?.uri, 'sip:callback@vm.test:5095');
  // the busy branch carries the caller's identity (a voicemail left from the menu names the caller)
  assert.match(doc.busy?.headers?.extra ?? '', /P-Asserted-Identity: "User 101" <sip:101@acme\.pbx\.test>/);
  assert.match(doc.busy?.headers?.extra ?? '', /X-Switchboard-Callback: offer;caller=101;callee=102;account=acme;vm=1\r\n/);
  // the devices ring as before
  assert.deepEqual(plan(d), [[[aor('102')], 20], [[vm('102')], 0]]);
});

test('callback on busy: no mailbox → the offer without the voicemail choice', () => {
  const cfg = config([user('101'), user('102', { vmEnabled: false, features: { callbackOnBusy: true } })]);
  const d = decideRoute(cfg, platform, { source: 'internal', from: 'u101', to: '102' });
  assert.equal(d.action === 'route' && d.onBusy?.headers?.['X-Switchboard-Callback'], 'offer;caller=101;callee=102;account=acme');
});

test('callback on busy: never for carrier calls, nor without the setting, nor over a divert on busy / divert all', () => {
  const on = { callbackOnBusy: true };
  const cases: Array<[string, RoutingUser, RouteRequest]> = [
    ['inbound DDI', user('102', { features: on }), { source: 'trunk', from: '+61412000000', to: '+61291234502' }],
    ['setting off', user('102'), { source: 'internal', from: 'u101', to: '102' }],
    ['divert on busy', user('102', { features: { ...on, divertBusy: { enabled: true, destination: '103' } } }), { source: 'internal', from: 'u101', to: '102' }],
    ['divert all', user('102', { features: { ...on, divertAll: { enabled: true, destination: '103' } } }), { source: 'internal', from: 'u101', to: '102' }],
  ];
  for (const [why, callee, req] of cases) {
    const cfg = config([user('101'), callee, user('103')], [['+61291234502', 'id-102']]);
    const d = decideRoute(cfg, platform, req);
    assert.equal(d.action, 'route', why);
    if (d.action !== 'route') continue;
    assert.equal(d.campOn, undefined, why);
    assert.equal(toRtjson(d).camp_on, undefined, why);
    assert.ok(!d.onBusy || !d.onBusy.headers?.['X-Switchboard-Callback'], why);
  }
  // the carrier call to the busy user still goes to voicemail (busy greeting) as before
  const cfg = config([user('102', { features: on })], [['+61291234502', 'id-102']]);
  const d = decideRoute(cfg, platform, { source: 'trunk', from: '+61412000000', to: '+61291234502' });
  assert.equal(d.action === 'route' && d.onBusy?.headers?.['X-Switchboard-Voicemail'], 'deposit;mailbox=102;account=acme;reason=busy');
});

test('callback on busy: dialling an own DDI from inside is an internal call (offered)', () => {
  const cfg = config([user('101'), user('102', { features: { callbackOnBusy: true } })], [['+61291234502', 'id-102']]);
  const d = decideRoute(cfg, platform, { source: 'internal', from: 'u101', to: '0291234502' });
  assert.equal(d.action === 'route' && d.campOn, `sip:102@${REALM}`);
});
