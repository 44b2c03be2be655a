/**
 * A SIP phone with media, run as its own process inside a network namespace (the NAT test's "home office"):
 * registers through Kamailio, answers calls with its RTP endpoint, plays a tone of its own frequency to the
 * far end, and reports on stdout (JSON lines) what it got: registration status, the INVITE's SDP, keep-alive
 * OPTIONS, and the strongest tone it heard. Commands on stdin: `call <ext>`, `hangup`, `report`, `quit`.
 * Usage: node --import tsx test/sip-e2e/nat-phone.ts <user> <password> <realm> <proxy host:port> <address> <port> <toneHz>
 */
import { createInterface } from 'node:readline';
import { RATE, tone, toneRatio } from '../../src/modules/voicemail/audio.ts';
import { RtpPhone } from '../support/rtp-phone.ts';
import { UA } from './ua.ts';

const [user, password, realm, proxy, address, portArg, toneArg] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const phone = await new RtpPhone(address).open();
const ua = new UA({ user, password, domain: realm, port: Number(portArg), proxy, address }).start();
const freq = Number(toneArg);
let talking = false;
const talk = async () => {
  if (talking) return;
  talking = true;
  while (talking) await phone.play(tone(freq, 1000));
};
ua.answerWith = (offer) => {
  out({ event: 'invite', offer });
  phone.answer(offer);
  void talk();
  return phone.sdp();
};
let hangup: (() => Promise<number>) | null = null;
const reg = await ua.register(120);
out({ event: 'registered', status: reg.status });

/** Strongest presence of `hz` over 200 ms windows in what was heard. */
function heardTone(hz: number): number {
  const h = phone.heard();
  let best = 0;
  for (let i = 0; i + 1600 <= h.length; i += 800) best = Math.max(best, toneRatio(h, hz, i, i + 1600));
  return best;
}

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'call') {
    const c = await ua.dial(arg!, phone.sdp());
    out({ event: 'answered', status: c.status, answer: c.answer });
    if (c.status === 200) {
      phone.answer(c.answer);
      hangup = c.hangup;
      void talk();
    }
  } else if (cmd === 'hangup') {
    talking = false;
    out({ event: 'hungup', status: hangup ? await hangup() : 0 });
  } else if (cmd === 'report') {
    const hz = Number(arg);
    out({
      event: 'report',
      heardSeconds: phone.heard().length / RATE,
      tone: heardTone(hz),
      options: ua.received.filter((r) => r.method === 'OPTIONS').length,
      invites: ua.received.filter((r) => r.method === 'INVITE').length,
    });
  } else if (cmd === 'quit') {
    talking = false;
    await ua.unregister().catch(() => {});
    ua.stop();
    phone.close();
    process.exit(0);
  }
}
