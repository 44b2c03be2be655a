/** In-memory VoicemailBackend for the media server's unit tests (the real one is service.ts over the store). */
import { randomUUID } from 'node:crypto';
import type { DepositInput, Folder, GreetingKind, MailboxInfo, MessageRef, PinCheck, VoicemailBackend } from './backend.ts';

export interface FakeMailbox extends MailboxInfo {
  pin: string | null;
}

export function fakeBackend(boxes: FakeMailbox[]) {
  const messages: (MessageRef & { userId: string; wav: Buffer })[] = [];
  const greetings = new Map<string, Buffer>();
  const failures = new Map<string, number>();
  const pinChecks: { userId: string; result: PinCheck }[] = [];
  const byUser = (userId: string) => boxes.find((b) => b.userId === userId)!;
  const backend: VoicemailBackend = {
    async mailbox(accountCode, extension) {
      const b = boxes.find((x) => x.accountCode === accountCode && x.extension === extension);
      return b ? { ...b, hasPin: !!b.pin } : null;
    },
    async mailboxBySipUser(realm, sipUsername) {
      const b = boxes.find((x) => x.realm === realm && `u${x.extension}` === sipUsername);
      return b ? { ...b, hasPin: !!b.pin } : null;
    },
    async greeting(_a, userId, kind) {
      return greetings.get(`${userId}/${kind}`) ?? null;
    },
    async setGreeting(_a, userId, kind: GreetingKind, wav) {
      greetings.set(`${userId}/${kind}`, wav);
    },
    async deposit(input: DepositInput) {
      const id = randomUUID();
      messages.push({ id, folder: 'new', callerNumber: input.callerNumber, callerName: input.callerName, receivedAt: input.receivedAt, durationMs: input.durationMs, userId: input.userId, wav: input.wav });
      return { id };
    },
    async summary(_a, userId) {
      const mine = messages.filter((m) => m.userId === userId);
      return { newCount: mine.filter((m) => m.folder === 'new').length, savedCount: mine.filter((m) => m.folder === 'saved').length };
    },
    async messages(_a, userId) {
      const mine = messages.filter((m) => m.userId === userId);
      return [...mine.filter((m) => m.folder === 'new'), ...mine.filter((m) => m.folder === 'saved')].map(({ wav: _w, userId: _u, ...m }) => ({ ...m }));
    },
    async audio(_a, userId, id) {
      return messages.find((m) => m.userId === userId && m.id === id)?.wav ?? null;
    },
    async setFolder(_a, userId, id, folder: Folder) {
      const m = messages.find((x) => x.userId === userId && x.id === id);
      if (m) m.folder = folder;
    },
    async remove(_a, userId, id) {
      const i = messages.findIndex((x) => x.userId === userId && x.id === id);
      if (i >= 0) messages.splice(i, 1);
    },
    async checkPin(_a, userId, pin) {
      const n = failures.get(userId) ?? 0;
      let result: PinCheck;
      if (n >= 3) result = 'locked';
      else if (pin === byUser(userId).pin) {
        failures.set(userId, 0);
        result = 'ok';
      } else {
        failures.set(userId, n + 1);
        result = n + 1 >= 3 ? 'locked' : 'wrong';
      }
      pinChecks.push({ userId, result });
      return result;
    },
    async changePin(_a, userId, pin) {
      if (!/^\d{4,}$/.test(pin)) return { ok: false, reason: 'at least 4 digits' };
      byUser(userId).pin = pin;
      return { ok: true };
    },
  };
  return { backend, messages, greetings, pinChecks };
}
