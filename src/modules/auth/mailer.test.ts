import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeMailer, mailConfigFromEnv, unconfiguredMailer } from './mailer.ts';

test('SMTP settings come from SMTP_URL, else SMTP_HOST and friends, else none', () => {
  assert.deepEqual(mailConfigFromEnv({ SMTP_URL: 'smtp://u:p@mail:25', MAIL_FROM: 'PBX <pbx@x.test>' }), { url: 'smtp://u:p@mail:25', from: 'PBX <pbx@x.test>' });
  assert.deepEqual(mailConfigFromEnv({ SMTP_HOST: 'mail.x.test', SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'u', SMTP_PASS: 'p' }), {
    host: 'mail.x.test',
    port: 465,
    secure: true,
    user: 'u',
    pass: 'p',
    from: 'Switchboard <no-reply@switchboard.invalid>',
  });
  assert.equal(mailConfigFromEnv({}), null);
});

test('the fake records; the unconfigured mailer warns without the body', async () => {
  const fake = fakeMailer();
  await fake.send({ to: 'a@b.test', subject: 's', text: 'secret link' });
  assert.deepEqual(fake.sent, [{ to: 'a@b.test', subject: 's', text: 'secret link' }]);
  const warnings: string[] = [];
  const m = unconfiguredMailer((w) => warnings.push(w));
  assert.equal(m.configured, false);
  await m.send({ to: 'a@b.test', subject: 'Hello', text: 'secret link' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /a@b\.test/);
  assert.ok(!warnings[0]!.includes('secret link'));
});
