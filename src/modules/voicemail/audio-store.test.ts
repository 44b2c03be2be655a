import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../shared/ids.ts';
import { fsAudioStore, memoryAudioStore, type VoicemailAudioStore } from './audio-store.ts';
import { voicemailDirFor } from '../../config.ts';

async function roundTrip(store: VoicemailAudioStore): Promise<void> {
  const name = `${newId()}.wav`;
  assert.equal(await store.read(name), null);
  await store.write(name, Buffer.from('RIFF1'));
  assert.deepEqual(await store.read(name), Buffer.from('RIFF1'));
  await store.write(name, Buffer.from('RIFF2'));
  assert.deepEqual(await store.read(name), Buffer.from('RIFF2'));
  await store.remove(name);
  assert.equal(await store.read(name), null);
  await store.remove(name); // already gone: fine
  for (const bad of ['../etc/passwd', 'a.wav', `${newId()}.wav/../x`, `/${newId()}.wav`, `${newId().toUpperCase()}.wav`, '']) {
    await assert.rejects(store.write(bad, Buffer.from('x')), /invalid voicemail audio file name/, bad);
    await assert.rejects(store.read(bad), /invalid voicemail audio file name/, bad);
  }
}

test('filesystem store: created on first write with 0700, files 0600, atomic, names are UUIDs only', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-vmfs-'));
  try {
    const dir = join(root, 'deep', 'voicemail');
    const store = fsAudioStore(dir);
    assert.equal(existsSync(dir), false, 'nothing is created until a recording is written');
    await roundTrip(store);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const name = `${newId()}.wav`;
    await store.write(name, Buffer.alloc(100, 1));
    assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), [name], 'no temp file left behind');
    assert.deepEqual(readdirSync(root).sort(), ['deep'], 'nothing written outside the folder');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('in-memory store behaves the same', async () => {
  const store = memoryAudioStore();
  await roundTrip(store);
  assert.equal(store.files.size, 0);
});

test('the folder: $SWITCHBOARD_VOICEMAIL_DIR, else beside the SQLite file, else in the data dir', () => {
  assert.equal(voicemailDirFor({ SWITCHBOARD_VOICEMAIL_DIR: '/srv/vm' }, 'data', 'data/switchboard.sqlite'), '/srv/vm');
  assert.equal(voicemailDirFor({}, 'data', 'data/switchboard.sqlite'), 'data/voicemail');
  assert.equal(voicemailDirFor({}, 'data', '/var/lib/sb/pbx.sqlite'), '/var/lib/sb/voicemail');
  assert.equal(voicemailDirFor({}, '/var/lib/sb', 'postgres://u@db/pbx'), '/var/lib/sb/voicemail');
});
