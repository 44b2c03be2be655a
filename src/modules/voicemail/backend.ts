/**
 * What the voicemail media server (src/modules/voicemail/server/, a SIP UAS with RTP) needs from the store:
 * mailboxes, greetings, messages, PINs. Implemented by `voicemailBackend(deps)` in service.ts over the real
 * store and audio folder, and by an in-memory fake in the server's unit tests.
 *
 * Audio crosses this interface as WAV files (RIFF, PCM 16-bit mono, 8,000 Hz): what is stored on disk, mailed
 * as the attachment and served to the browser. The server encodes/decodes with ./audio.ts.
 */
export type GreetingKind = 'unavailable' | 'busy' | 'name';
export type Folder = 'new' | 'saved';

export interface MailboxInfo {
  accountId: string;
  accountCode: string;
  realm: string;
  userId: string;
  /** The mailbox number = the user's extension. */
  extension: string;
  displayName: string;
  /** 'Enable Voicemail for this user'. Off: no deposit; 777 says the mailbox is not available. */
  enabled: boolean;
  /** 'Enable phone & App Voicemail Access'. Off: messages are only emailed, never kept. */
  keepOnServer: boolean;
  /** A PIN is set (777 refuses access without one: "set a voicemail PIN in the portal"). */
  hasPin: boolean;
  /** The user's office timezone (IANA), for the email and the spoken date. */
  timezone: string;
}

export interface DepositInput {
  accountId: string;
  userId: string;
  /** Caller as asserted by Kamailio (P-Asserted-Identity, else From): number/extension and display name. */
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  durationMs: number;
  wav: Buffer;
}

export interface MessageRef {
  id: string;
  folder: Folder;
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  durationMs: number;
}

export type PinCheck = 'ok' | 'wrong' | 'locked';

export interface VoicemailBackend {
  /** The mailbox of extension `extension` in the account with code `accountCode`; null if there is no such user. */
  mailbox(accountCode: string, extension: string): Promise<MailboxInfo | null>;
  /** The mailbox of the SIP user `sipUsername` of the account whose realm is `realm` (MWI subscriptions); null if none. */
  mailboxBySipUser(realm: string, sipUsername: string): Promise<MailboxInfo | null>;
  /** The user's recorded greeting of that kind (WAV), or null (the server then plays the default prompt). */
  greeting(accountId: string, userId: string, kind: GreetingKind): Promise<Buffer | null>;
  setGreeting(accountId: string, userId: string, kind: GreetingKind, wav: Buffer): Promise<void>;
  /** Stores a message (and queues its email when 'Send voicemails by email' is on); emits voicemail.message.deposited. */
  deposit(input: DepositInput): Promise<{ id: string }>;
  summary(accountId: string, userId: string): Promise<{ newCount: number; savedCount: number }>;
  /** New messages first, then saved; oldest first within a folder (the order a caller hears them). */
  messages(accountId: string, userId: string): Promise<MessageRef[]>;
  audio(accountId: string, userId: string, messageId: string): Promise<Buffer | null>;
  setFolder(accountId: string, userId: string, messageId: string, folder: Folder): Promise<void>;
  remove(accountId: string, userId: string, messageId: string): Promise<void>;
  /** Checks a 777 PIN: three wrong in a row lock the mailbox for a while ('locked'); failures are audited. */
  checkPin(accountId: string, userId: string, pin: string, source: string): Promise<PinCheck>;
  /** Same rules as the API (≥ 4 digits, digits only); the reason is spoken-friendly text. */
  changePin(accountId: string, userId: string, pin: string): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/**
 * Domain events of voicemail (src/shared/events.ts). Every one carries the mailbox owner in
 * `after.userId` (or `before.userId` for deletions), so the MWI notifier can refresh that user's light.
 */
export const VOICEMAIL_EVENTS = [
  'voicemail.message.deposited',
  'voicemail.message.updated',
  'voicemail.message.deleted',
  'voicemail.message.emailed',
  'voicemail.message.expired',
] as const;
