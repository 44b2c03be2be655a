/**
 * The two voicemail call scripts, written as plain async code over a Channel:
 *
 * deposit — "Leave a message": the mailbox owner's busy/unavailable greeting (else the recorded name, else
 *   "the person at extension 1 0 2"), "is unavailable / is on the phone", "please leave your message after the
 *   tone…", beep, record until #, hang-up, silence or the maximum; under 1 s is dropped ("too short").
 * access — 777: the caller's own mailbox (chosen by Switchboard's routing header, never by the phone); the PIN
 *   then # (three tries; the store locks the mailbox after three failures in a row); then Asterisk's familiar
 *   keys: main menu 1 messages · 2 new/saved folder · 0 mailbox options · * help · # goodbye; on a message
 *   4 previous · 5 repeat · 6 next · 7 delete · 9 save · * help · # back to the main menu; options
 *   1 unavailable greeting · 2 busy greeting · 3 name · 5 PIN · * back.
 * offerCallback — callback on busy (X-Switchboard-Callback): "the person at extension 1 0 2 is on the phone;
 *   press 1 for message [when the mailbox is on]; to call this number, press 5": 1 goes on to the deposit
 *   (busy greeting), 5 registers the callback and confirms ("activated, goodbye").
 */
import { pcmToWav, RATE, wavToPcm } from '../audio.ts';
import type { Folder, GreetingKind, MailboxInfo, MessageRef, VoicemailBackend } from '../backend.ts';
import { HangupError, type Channel } from './channel.ts';
import type { Prompts } from './prompts.ts';

export interface DepositLimits {
  maxMs: number;
  silenceMs: number;
  minMs: number;
}

export const DEFAULT_LIMITS: DepositLimits = { maxMs: 180_000, silenceMs: 5_000, minMs: 1_000 };

export interface Caller {
  number: string | null;
  name: string | null;
}

export interface FlowContext {
  ch: Channel;
  prompts: Prompts;
  backend: VoicemailBackend;
  log: (msg: string, extra?: Record<string, unknown>) => void;
  now?: () => Date;
}

async function greetingPcm(c: FlowContext, box: MailboxInfo, kind: GreetingKind): Promise<Int16Array | null> {
  const wav = await c.backend.greeting(box.accountId, box.userId, kind);
  if (!wav) return null;
  try {
    return wavToPcm(wav);
  } catch {
    return null;
  }
}

export async function deposit(c: FlowContext, box: MailboxInfo | null, caller: Caller, reason: 'busy' | 'unavailable', limits: DepositLimits = DEFAULT_LIMITS): Promise<{ id: string } | null> {
  const { ch, prompts: p } = c;
  try {
    if (!box || !box.enabled) {
      await ch.play([...p.seq('im-sorry', 'feature-not-avail-line', 'vm-goodbye')], false);
      return null;
    }
    const own = await greetingPcm(c, box, reason);
    let greeting: Int16Array[];
    if (own) greeting = [own];
    else {
      const name = await greetingPcm(c, box, 'name');
      const who = name ? [name] : [p.get('vm-theperson'), ...p.digits(box.extension)];
      greeting = [...who, p.get(reason === 'busy' ? 'vm-isonphone' : 'vm-isunavail')];
    }
    // any key skips the greeting (as on most systems); the key itself is not recorded
    const key = await ch.play([...greeting, p.get('vm-intro')], true);
    if (key) ch.clearDigits();
    await ch.play([p.get('tone-beep')], false);
    const receivedAt = (c.now?.() ?? new Date()).toISOString();
    const rec = await ch.record({ maxMs: limits.maxMs, silenceMs: limits.silenceMs });
    const durationMs = Math.round((rec.pcm.length / RATE) * 1000);
    if (durationMs < limits.minMs) {
      c.log('voicemail: message under the minimum length dropped', { mailbox: box.extension, durationMs });
      if (!ch.hungUp) await ch.play(p.seq('vm-tooshort', 'vm-goodbye'), false);
      return null;
    }
    const saved = await c.backend.deposit({
      accountId: box.accountId,
      userId: box.userId,
      callerNumber: caller.number,
      callerName: caller.name,
      receivedAt,
      durationMs,
      wav: pcmToWav(rec.pcm),
    });
    c.log('voicemail: message deposited', { mailbox: box.extension, account: box.accountCode, durationMs, ended: rec.ended, id: saved.id });
    if (!ch.hungUp) await ch.play(p.seq('vm-msgsaved', 'vm-goodbye'), false);
    return saved;
  } catch (err) {
    if (err instanceof HangupError) return null;
    throw err;
  }
}

/** Collects a PIN followed by '#' (or the 10th digit, or a 5 s pause). */
function readPin(ch: Channel): Promise<string | null> {
  return ch.collect({ max: 10, terminator: '#', timeoutMs: 8000, interDigitMs: 5000 });
}

/** 777 (main menu after the PIN) or, with `menu: 'options'`, *29 'Update recordings' (the mailbox options menu). */
export async function access(c: FlowContext, box: MailboxInfo | null, source: string, o: { menu?: 'options' } = {}): Promise<void> {
  const { ch, prompts: p } = c;
  try {
    if (!box || !box.enabled) {
      await ch.play(p.seq('im-sorry', 'feature-not-avail-line', 'vm-goodbye'), false);
      return;
    }
    if (box.hasPin) {
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok; attempt++) {
        await ch.play(p.seq('vm-password'), true);
        const pin = await readPin(ch);
        const res = pin ? await c.backend.checkPin(box.accountId, box.userId, pin, source) : 'wrong';
        if (res === 'ok') ok = true;
        else if (res === 'locked') break;
        else await ch.play(p.seq('vm-incorrect'), false);
      }
      if (!ok) {
        c.log('voicemail: 777 access refused', { mailbox: box.extension, account: box.accountCode });
        await ch.play(p.seq('vm-goodbye'), false);
        return;
      }
    }
    if (o.menu === 'options') {
      await options(c, box);
      await ch.play(p.seq('vm-goodbye'), false);
    } else await mainMenu(c, box);
  } catch (err) {
    if (err instanceof HangupError) return;
    throw err;
  }
}

/**
 * A feature confirmation (X-Switchboard-Feature): the change itself was made by Switchboard's routing before the
 * call got here; this only tells the caller. *28 Day/Night: "activated" when the office is now in night mode,
 * "de-activated" when it is back in day mode, then goodbye.
 */
export async function confirmFeature(c: FlowContext, feature: { name: 'daynight'; mode: 'day' | 'night' }): Promise<void> {
  const { ch, prompts: p } = c;
  try {
    await ch.play(p.seq(feature.mode === 'night' ? 'activated' : 'de-activated', 'vm-goodbye'), false);
  } catch (err) {
    if (err instanceof HangupError) return;
    throw err;
  }
}

function countPhrase(p: Prompts, n: number, folder: Folder): Int16Array[] {
  const word = p.get(folder === 'new' ? 'vm-INBOX' : 'vm-Old');
  if (n === 0) return [p.get('vm-no'), word, p.get('vm-messages')];
  return [...p.number(n), word, p.get(n === 1 ? 'vm-message' : 'vm-messages')];
}

async function mainMenu(c: FlowContext, box: MailboxInfo): Promise<void> {
  const { ch, prompts: p } = c;
  let folder: Folder = 'new';
  let announce = true;
  for (let loops = 0; loops < 50; loops++) {
    const s = await c.backend.summary(box.accountId, box.userId);
    const parts: Int16Array[] = [];
    if (announce) {
      parts.push(p.get('vm-youhave'), ...countPhrase(p, s.newCount, 'new'));
      if (s.savedCount) parts.push(p.get('vm-and'), ...countPhrase(p, s.savedCount, 'saved'));
      announce = false;
    }
    parts.push(p.get('vm-onefor'), p.get(folder === 'new' ? 'vm-INBOX' : 'vm-Old'), p.get('vm-messages'), p.get('vm-opts'));
    await ch.play(parts, true);
    const k = await ch.key(6000);
    if (k === null) {
      if (loops > 2) break;
      continue;
    }
    if (k === '1') {
      const list = (await c.backend.messages(box.accountId, box.userId)).filter((m) => m.folder === folder);
      if (!list.length) await ch.play(p.seq('vm-nomore'), true);
      else await browse(c, box, list);
    } else if (k === '2') {
      folder = folder === 'new' ? 'saved' : 'new';
      const n = (await c.backend.messages(box.accountId, box.userId)).filter((m) => m.folder === folder).length;
      await ch.play([p.get('vm-youhave'), ...countPhrase(p, n, folder)], true);
    } else if (k === '0') await options(c, box);
    else if (k === '#') break;
    else if (k !== '*') await ch.play(p.seq('vm-sorry'), true);
    ch.clearDigits();
  }
  await ch.play(p.seq('vm-goodbye'), false);
}

function callerPhrase(p: Prompts, m: MessageRef): Int16Array[] {
  const n = (m.callerNumber ?? '').replace(/^\+/, '');
  if (!/^\d+$/.test(n)) return [p.get('vm-unknown-caller')];
  return [p.get(n.length <= 6 ? 'vm-from-extension' : 'vm-from-phonenumber'), ...p.digits(n)];
}

async function browse(c: FlowContext, box: MailboxInfo, list: MessageRef[]): Promise<void> {
  const { ch, prompts: p } = c;
  let i = 0;
  const deleted = new Set<string>();
  for (let loops = 0; loops < 200 && i >= 0 && i < list.length; loops++) {
    const m = list[i]!;
    ch.clearDigits();
    const intro = i === 0 ? p.seq('vm-first', 'vm-message') : i === list.length - 1 ? p.seq('vm-last', 'vm-message') : [p.get('vm-message'), ...p.number(i + 1)];
    let k = await ch.play([...intro, ...callerPhrase(p, m)], true);
    if (!k) {
      const wav = await c.backend.audio(box.accountId, box.userId, m.id);
      k = wav ? await ch.play([wavToPcm(wav)], true) : null;
    }
    // heard to the end (or skipped): a new message becomes saved, as on Asterisk
    if (m.folder === 'new' && !deleted.has(m.id)) {
      await c.backend.setFolder(box.accountId, box.userId, m.id, 'saved');
      m.folder = 'saved';
    }
    if (!k) {
      const menu = [...(i > 0 ? p.seq('vm-prev') : []), p.get('vm-repeat'), ...(i < list.length - 1 ? p.seq('vm-next') : []), p.get('vm-delete'), p.get('vm-savemessage'), p.get('vm-helpexit')];
      await ch.play(menu, true);
      k = await ch.key(8000);
    }
    ch.clearDigits();
    switch (k) {
      case '4':
        if (i > 0) i--;
        break;
      case '5':
        break;
      case '6':
      case null:
        i++;
        if (i >= list.length) await ch.play(p.seq('vm-nomore'), true);
        break;
      case '7':
        await c.backend.remove(box.accountId, box.userId, m.id);
        deleted.add(m.id);
        await ch.play([p.get('vm-message'), p.get('vm-deleted')], true);
        list.splice(i, 1);
        if (i >= list.length) {
          await ch.play(p.seq('vm-nomore'), true);
          return;
        }
        break;
      case '9':
        await c.backend.setFolder(box.accountId, box.userId, m.id, 'saved');
        await ch.play([p.get('vm-message'), p.get('vm-saved')], true);
        i++;
        if (i >= list.length) await ch.play(p.seq('vm-nomore'), true);
        break;
      case '#':
        return;
      default:
        break; // '*' or anything else: the message menu again
    }
  }
}

async function recordGreeting(c: FlowContext, box: MailboxInfo, kind: GreetingKind): Promise<void> {
  const { ch, prompts: p } = c;
  const prompt = kind === 'unavailable' ? 'vm-rec-unv' : kind === 'busy' ? 'vm-rec-busy' : 'vm-rec-name';
  await ch.play(p.seq(prompt), false);
  await ch.play([p.get('tone-beep')], false);
  const rec = await ch.record({ maxMs: kind === 'name' ? 10_000 : 60_000, silenceMs: 3_000 });
  if (rec.ended === 'hangup') return;
  if (rec.pcm.length < RATE / 2) {
    await ch.play(p.seq('vm-tooshort'), false);
    return;
  }
  await c.backend.setGreeting(box.accountId, box.userId, kind, pcmToWav(rec.pcm));
  await ch.play(p.seq('auth-thankyou'), false);
}

async function changePin(c: FlowContext, box: MailboxInfo): Promise<void> {
  const { ch, prompts: p } = c;
  await ch.play(p.seq('vm-newpassword'), true);
  const first = await readPin(ch);
  if (!first) return;
  await ch.play(p.seq('vm-reenterpassword'), true);
  const second = await readPin(ch);
  if (first !== second) {
    await ch.play(p.seq('vm-mismatch'), false);
    return;
  }
  const res = await c.backend.changePin(box.accountId, box.userId, first);
  await ch.play(p.seq(res.ok ? 'vm-passchanged' : 'vm-invalidpassword'), false);
}

async function options(c: FlowContext, box: MailboxInfo): Promise<void> {
  const { ch, prompts: p } = c;
  for (let loops = 0; loops < 20; loops++) {
    ch.clearDigits();
    await ch.play(p.seq('vm-options'), true);
    const k = await ch.key(8000);
    ch.clearDigits();
    if (k === '1') await recordGreeting(c, box, 'unavailable');
    else if (k === '2') await recordGreeting(c, box, 'busy');
    else if (k === '3') await recordGreeting(c, box, 'name');
    else if (k === '5') await changePin(c, box);
    else if (k === '*' || k === '#' || k === null) return;
    else await ch.play(p.seq('vm-sorry'), true);
  }
}

/** What the callback offer needs from the callbacks module (callbacks/service.ts CallbackBackend.register). */
export type RegisterCallback = () => Promise<{ outcome: 'created' | 'refreshed' | 'refused' }>;

/**
 * Callback on busy: the choice offered to an internal caller who found `callee` busy. Keys (callbacks/rules.ts
 * OFFER_KEYS): 1 leave a voicemail (only when the callee's mailbox is on: `box`), 5 call me back when the line is
 * free. Asked up to three times; no choice → goodbye. Returns what happened.
 */
export async function offerCallback(
  c: FlowContext,
  o: { callee: string; box: MailboxInfo | null; caller: Caller; register: RegisterCallback; limits?: DepositLimits },
): Promise<'voicemail' | 'callback' | 'refused' | 'none'> {
  const { ch, prompts: p } = c;
  const vm = !!o.box?.enabled;
  try {
    for (let round = 0; round < 3; round++) {
      const parts = [
        ...(round === 0 ? [p.get('vm-theperson'), ...p.digits(o.callee), p.get('vm-isonphone')] : []),
        ...(vm ? [p.get('vm-press'), p.get('digits/1'), p.get('vm-for'), p.get('vm-message')] : []),
        p.get('to-call-this-number'),
        p.get('vm-press'),
        p.get('digits/5'),
      ];
      await ch.play(parts, true);
      const k = await ch.key(6000);
      ch.clearDigits();
      if (k === '5') {
        const r = await o.register();
        c.log('callback: requested', { callee: o.callee, caller: o.caller.number, outcome: r.outcome });
        if (r.outcome === 'refused') {
          await ch.play(p.seq('im-sorry', 'feature-not-avail-line', 'vm-goodbye'), false);
          return 'refused';
        }
        await ch.play(p.seq('activated', 'vm-goodbye'), false);
        return 'callback';
      }
      if (k === '1' && vm) {
        await deposit(c, o.box, o.caller, 'busy', o.limits);
        return 'voicemail';
      }
      if (k !== null) await ch.play(p.seq('vm-sorry'), true);
    }
    await ch.play(p.seq('vm-goodbye'), false);
    return 'none';
  } catch (err) {
    if (err instanceof HangupError) return 'none';
    throw err;
  }
}
