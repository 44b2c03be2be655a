// Leaves voicemail messages in a mailbox of the running e2e server's store, as the media server would after a
// call (there is no API to create a message: they come only from calls). The spec runs it with the database
// and voicemail folder scripts/e2e.sh gives the server (E2E_DATABASE_URL, E2E_VOICEMAIL_DIR).
// Usage: node --import tsx e2e/seed-voicemail.ts <database url> <voicemail dir> <account code> <extension> '<json messages>'
//   messages: [{callerNumber, callerName, receivedAt, seconds, hz}] — each a `seconds`-long tone of `hz` Hz.
import { migrate, openDatabase } from '../src/db/database.ts';
import { createEventBus } from '../src/shared/events.ts';
import { fsAudioStore } from '../src/modules/voicemail/audio-store.ts';
import { pcmToWav, tone } from '../src/modules/voicemail/audio.ts';
import { voicemailBackend } from '../src/modules/voicemail/service.ts';

interface SeedMessage {
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  seconds: number;
  hz?: number;
}

const [url, dir, accountCode, extension, json] = process.argv.slice(2);
if (!url || !dir || !accountCode || !extension || !json) throw new Error("usage: seed-voicemail.ts <database url> <voicemail dir> <account code> <extension> '<json messages>'");
const messages = JSON.parse(json) as SeedMessage[];
const database = openDatabase(url);
try {
  await migrate(database);
  const vm = voicemailBackend({ database, events: createEventBus() }, fsAudioStore(dir));
  const mb = await vm.mailbox(accountCode, extension);
  if (!mb) throw new Error(`no mailbox ${extension} in account ${accountCode}`);
  const ids: string[] = [];
  for (const m of messages) {
    const wav = pcmToWav(tone(m.hz ?? 1000, m.seconds * 1000));
    const { id } = await vm.deposit({ accountId: mb.accountId, userId: mb.userId, callerNumber: m.callerNumber, callerName: m.callerName, receivedAt: m.receivedAt, durationMs: m.seconds * 1000, wav });
    ids.push(id);
  }
  console.log(JSON.stringify({ ids }));
} finally {
  await database.close();
}
