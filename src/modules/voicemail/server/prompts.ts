/**
 * Voice prompts: Debian's asterisk-core-sounds-en-wav (8 kHz 16-bit mono WAV, recorded by Allison Smith), in
 * a configurable folder (SWITCHBOARD_VOICEMAIL_PROMPTS). Loaded lazily and cached as PCM; a missing prompt is
 * an error at start-up (checkPrompts), not silence in the middle of a call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tone, wavToPcm } from '../audio.ts';

export const DEFAULT_PROMPT_DIRS = ['/usr/share/asterisk/sounds/en_US_f_Allison', '/usr/share/asterisk/sounds/en'];

/** Every prompt the scripts use (checked at start). */
export const PROMPTS = [
  'beep', 'vm-theperson', 'vm-isunavail', 'vm-isonphone', 'vm-intro', 'vm-msgsaved', 'vm-goodbye', 'vm-tooshort',
  'vm-password', 'vm-incorrect', 'vm-youhave', 'vm-INBOX', 'vm-Old', 'vm-message', 'vm-messages', 'vm-and', 'vm-no',
  'vm-onefor', 'vm-first', 'vm-last', 'vm-nomore', 'vm-deleted', 'vm-saved', 'vm-prev', 'vm-repeat', 'vm-next',
  'vm-delete', 'vm-savemessage', 'vm-helpexit', 'vm-options', 'vm-rec-unv', 'vm-rec-busy', 'vm-rec-name',
  'vm-newpassword', 'vm-reenterpassword', 'vm-passchanged', 'vm-mismatch', 'vm-from-extension',
  'vm-from-phonenumber', 'vm-unknown-caller', 'vm-sorry', 'vm-press', 'vm-for', 'vm-opts', 'vm-msginstruct',
  'im-sorry', 'feature-not-avail-line', 'vm-invalidpassword', 'auth-thankyou', 'vm-review', 'vm-starmain',
  // feature confirmations (*28 Day/Night: night mode activated / de-activated)
  'activated', 'de-activated',
  // callback on busy: the offer ("to call this number, press 5"), and to the caller rung back
  'to-call-this-number', 'pls-hold-while-try',
] as const;

/** Every file the scripts may play: the prompts, and the digits that number() and digits() say. */
const REQUIRED = [...PROMPTS, ...Array.from({ length: 21 }, (_, i) => `digits/${i}`), 'digits/30', 'digits/40', 'digits/50', 'digits/60', 'digits/70', 'digits/80', 'digits/90', 'digits/star', 'digits/pound'];

export class Prompts {
  private cache = new Map<string, Int16Array>();

  constructor(readonly dir: string) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Prompts {
    const dir = env.SWITCHBOARD_VOICEMAIL_PROMPTS ?? DEFAULT_PROMPT_DIRS.find((d) => existsSync(join(d, 'vm-intro.wav'))) ?? DEFAULT_PROMPT_DIRS[0]!;
    return new Prompts(dir);
  }

  /** Names of required prompts that are missing (empty when the folder is complete). */
  missing(): string[] {
    return REQUIRED.filter((n) => !existsSync(join(this.dir, `${n}.wav`)));
  }

  /** Loads every prompt now (start-up), so no call waits on the disk or the WAV parser. */
  preload(): this {
    for (const n of [...REQUIRED, 'tone-beep']) this.get(n);
    return this;
  }

  get(name: string): Int16Array {
    let pcm = this.cache.get(name);
    if (!pcm) {
      if (name === 'tone-beep') pcm = tone(1000, 300);
      else pcm = wavToPcm(readFileSync(join(this.dir, `${name}.wav`)));
      this.cache.set(name, pcm);
    }
    return pcm;
  }

  /** Several prompts in a row. */
  seq(...names: string[]): Int16Array[] {
    return names.map((n) => this.get(n));
  }

  /** A number the way Asterisk says counts: 0–20, tens, else digit by digit. */
  number(n: number): Int16Array[] {
    if (n >= 0 && n <= 20) return [this.get(`digits/${n}`)];
    if (n < 100 && n % 10 === 0) return [this.get(`digits/${n}`)];
    if (n < 100) return [this.get(`digits/${n - (n % 10)}`), this.get(`digits/${n % 10}`)];
    return this.digits(String(n));
  }

  /** Digit by digit (extensions, phone numbers); '+' is skipped, '*' and '#' are said. */
  digits(s: string): Int16Array[] {
    const out: Int16Array[] = [];
    for (const c of s) {
      if (c >= '0' && c <= '9') out.push(this.get(`digits/${c}`));
      else if (c === '*') out.push(this.get('digits/star'));
      else if (c === '#') out.push(this.get('digits/pound'));
    }
    return out;
  }
}
