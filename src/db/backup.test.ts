/**
 * Backup under write load and restore, on both stores: a real HTTP server keeps creating users while the
 * backup runs; every user whose creation was acknowledged before the backup started is in the backup, the copy
 * passes SQLite's integrity check, and a restore into a new place brings back the same rows and audio files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../test/support/http.ts';
import { storeKinds, openTestStore } from '../../test/support/stores.ts';
import { backup, restore } from './backup.ts';
import { migrate, openDatabase } from './database.ts';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);

for (const { kind, skip } of await storeKinds()) {
  test(`backup while the server writes, then restore (${kind})`, { skip }, async () => {
    const s = await startTestServer(kind);
    const work = mkdtempSync(join(tmpdir(), 'sb-backup-'));
    const voicemailDir = join(work, 'voicemail');
    const mediaDir = join(work, 'media');
    mkdirSync(voicemailDir);
    mkdirSync(mediaDir);
    writeFileSync(join(voicemailDir, 'a.wav'), 'RIFF-voicemail');
    writeFileSync(join(mediaDir, 'default.wav'), 'RIFF-music');
    const recordingsDir = join(work, 'recordings');
    mkdirSync(recordingsDir);
    writeFileSync(join(recordingsDir, 'r.wav'), 'RIFF-recording');
    const url = s.store.url;
    try {
      assert.equal((await s.api('POST', '/api/v1/accounts', { code: 'bk', name: 'Backup', sipRealm: 'bk.pbx.test', country: 'AU' })).status, 201);
      const office = await s.api('POST', '/api/v1/accounts/bk/offices', { name: 'HQ', timezone: 'Australia/Sydney' });
      const acked: string[] = [];
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing && i < 400; i++) {
          const r = await s.api('POST', '/api/v1/accounts/bk/users', { firstName: `W${i}`, officeId: office.body.id });
          if (r.status === 201) acked.push(r.body.id);
        }
      })();
      while (acked.length < 20) await new Promise((r) => setTimeout(r, 10));
      const before = [...acked];
      const dir = join(work, 'backup');
      const m = await backup({ databaseUrl: url, voicemailDir, mediaDir, recordingsDir }, dir);
      writing = false;
      await writer;
      assert.equal(m.store, kind);
      assert.deepEqual(m.folders, ['voicemail', 'media', 'recordings']);
      assert.ok(m.lastMigration, 'the last migration is recorded');
      await assert.rejects(backup({ databaseUrl: url, voicemailDir, mediaDir, recordingsDir }, dir), /not empty/);

      // restore into a fresh place
      const pgTarget = kind === 'postgres' ? await openTestStore('postgres') : null;
      const target = pgTarget ? pgTarget.url : join(work, 'restored', 'store.sqlite');
      const to = { databaseUrl: target, voicemailDir: join(work, 'r-voicemail'), mediaDir: join(work, 'r-media'), recordingsDir: join(work, 'r-recordings') };
      // refused while another process has the target store open (a server, Kamailio ...), accepted once it is gone
      if (kind === 'sqlite') {
        mkdirSync(join(work, 'restored'), { recursive: true });
        const m0 = openDatabase(target);
        await migrate(m0);
        await m0.close();
      }
      const holder = kind === 'sqlite'
        ? spawn(process.execPath, ['-e', `const S = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const d = new S(${JSON.stringify(target)}); d.prepare('select 1').get(); console.log('READY'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] })
        : null;
      const pgHolder = kind === 'postgres' ? new pg.Client({ connectionString: target, application_name: 'holder' }) : null;
      if (holder) await new Promise<void>((res) => holder.stdout!.once('data', () => res()));
      if (pgHolder) await pgHolder.connect();
      try {
        await assert.rejects(restore(dir, to), kind === 'sqlite' ? /the store is in use by node \(pid [0-9]+\)/ : /the store is in use by .*holder \(pid [0-9]+/);
      } finally {
        holder?.kill();
        await pgHolder?.end();
      }
      if (holder) await new Promise((res) => holder.once('exit', res));
      // (on PostgreSQL the test store's own pool stays connected to the target: forced)
      await restore(dir, to, { force: kind === 'postgres' });
      const db = openDatabase(target);
      try {
        const ids = new Set((await db.db.selectFrom('users').select('id').execute()).map((r) => r.id));
        const missing = before.filter((id) => !ids.has(id));
        assert.deepEqual(missing, [], 'every user acknowledged before the backup started is in it');
      } finally {
        await db.close();
      }
      assert.equal(readFileSync(join(to.voicemailDir, 'a.wav'), 'utf8'), 'RIFF-voicemail');
      assert.equal(readFileSync(join(to.mediaDir, 'default.wav'), 'utf8'), 'RIFF-music');
      assert.equal(readFileSync(join(to.recordingsDir, 'r.wav'), 'utf8'), 'RIFF-recording');
      await assert.rejects(restore(work, to), /not a Switchboard backup/);
      if (kind === 'sqlite') assert.ok(existsSync(join(dir, 'store.sqlite')));
      await pgTarget?.cleanup();
    } finally {
      await s.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
}
