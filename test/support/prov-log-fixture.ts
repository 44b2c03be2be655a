/** Child process for the log-redaction test: an app logging at info, hit with a path token and a password. */
import { buildApp } from '../../src/app.ts';
import { migrate, openDatabase } from '../../src/db/database.ts';

const database = openDatabase(':memory:');
await migrate(database);
const { app } = await buildApp({ database, logLevel: 'info' });
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;
await fetch(`http://127.0.0.1:${port}/prov/SECRETTOKENabcdefghijklmnop/805ec0123456.cfg`);
// paths that match no /prov route (a 404 from the not-found handler, a bad encoding) must not log the token either
await fetch(`http://127.0.0.1:${port}/prov/SECRETTOKENabcdefghijklmnop/sub/805ec0123456.cfg`);
await fetch(`http://127.0.0.1:${port}/prov/SECRETTOKENabcdefghijklmnop/`);
await fetch(`http://127.0.0.1:${port}/prov/SECRETTOKENabcdefghijklmnop`);
await fetch(`http://127.0.0.1:${port}/prov/SECRETTOKENabcdefghijklmnop/%ZZ.cfg`);
await fetch(`http://127.0.0.1:${port}/prov/805ec0123456.cfg`, { headers: { authorization: `Basic ${Buffer.from('prov_x:SECRETPASSWORD').toString('base64')}` } });
await app.close();
await database.close();
