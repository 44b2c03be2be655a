// Seeds the e2e suite's large account straight into the store before the server starts (thousands of API
// calls would take minutes). Usage: node --import tsx e2e/seed-large.ts <database url> <password>
import { migrate, openDatabase } from '../src/db/database.ts';
import { seedAccount } from './large-account.ts';

const [url, password] = process.argv.slice(2);
if (!url || !password) throw new Error('usage: seed-large.ts <database url> <password>');
const database = openDatabase(url);
await migrate(database);
const t0 = Date.now();
const n = await seedAccount(database, 'e2e-large', password);
console.log(`seeded e2e-large: ${n} users in 4 offices (${Date.now() - t0} ms); the 4-digit plan is full`);
await database.close();
