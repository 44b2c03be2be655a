// The e2e suite's real SMTP sink: listens on 127.0.0.1 (ephemeral port), writes the port to argv[2] and
// appends every message as a JSON line to argv[3]. scripts/e2e.sh starts it and stops it by PID.
import { appendFileSync, writeFileSync } from 'node:fs';
import { startSmtpSink } from '../test/support/smtp.ts';

const [portFile, mailFile] = process.argv.slice(2);
if (!portFile || !mailFile) throw new Error('usage: smtp-sink.ts <port file> <mail file>');
const sink = await startSmtpSink();
writeFileSync(mailFile, '');
let seen = 0;
setInterval(() => {
  for (; seen < sink.messages.length; seen++) {
    const m = sink.messages[seen]!;
    appendFileSync(mailFile, `${JSON.stringify({ to: m.to, subject: m.subject, text: m.text })}\n`);
  }
}, 50);
writeFileSync(portFile, String(sink.port));
process.on('SIGTERM', () => void sink.close().then(() => process.exit(0)));
