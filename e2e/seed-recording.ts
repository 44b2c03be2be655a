// Leaves call recordings in the running e2e server's store, as the importer would after recorded calls (there
// is no API to create one: they come only from calls). Run with the database and recordings folder
// scripts/e2e.sh gives the server (E2E_DATABASE_URL, E2E_RECORDINGS_DIR).
// Usage: node --import tsx e2e/seed-recording.ts <database url> <recordings dir> '<json recordings>'
//   recordings: [{accountId, caller: {number, userId?, officeId?, name?}, callee: {...}, direction, startedAt, ms, tones}]
import { migrate, openDatabase } from '../src/db/database.ts';
import { fsRecordingStore } from '../src/modules/recordings/store.ts';
import { seedRecording } from '../test/support/recordings.ts';

const [url, dir, json] = process.argv.slice(2);
if (!url || !dir || !json) throw new Error("usage: seed-recording.ts <database url> <recordings dir> '<json recordings>'");
const database = openDatabase(url);
try {
  await migrate(database);
  const store = fsRecordingStore(dir);
  const ids: string[] = [];
  for (const r of JSON.parse(json) as Array<Parameters<typeof seedRecording>[2]>) ids.push(await seedRecording(database.db, store, r));
  console.log(JSON.stringify({ ids }));
} finally {
  await database.close();
}
