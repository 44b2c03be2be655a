/**
 * The voicemail PIN rule and a generator that satisfies it. Pure and dependency-free: the portal imports this
 * file too ('Generate PIN'), so what it offers is exactly what the server accepts.
 */
export const PIN_MIN_LENGTH = 4;
export const PIN_MAX_LENGTH = 12;
/** Length of a generated PIN. */
export const GENERATED_PIN_LENGTH = 6;

/** 1111, 1234, 9876, 0123 …: one digit repeated, or every digit one up (or one down) from the last. */
export function isTrivialPin(pin: string): boolean {
  if (pin.length < 2) return false;
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i++) steps.add(pin.charCodeAt(i) - pin.charCodeAt(i - 1));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0]!);
}

export function checkPin(pin: string, extension?: string): string | null {
  if (!/^[0-9]+$/.test(pin)) return 'must be numbers only';
  if (pin.length < PIN_MIN_LENGTH) return `must be at least ${PIN_MIN_LENGTH} digits`;
  if (pin.length > PIN_MAX_LENGTH) return `must be at most ${PIN_MAX_LENGTH} digits`;
  if (extension && pin === extension) return 'must not be the same as the extension';
  if (isTrivialPin(pin)) return 'must not be a trivial sequence such as 1111 or 1234';
  return null;
}

/** A random PIN (Web Crypto, in the browser and in Node) that passes checkPin for this extension. */
export function generatePin(extension?: string, length = GENERATED_PIN_LENGTH): string {
  const n = Math.min(PIN_MAX_LENGTH, Math.max(PIN_MIN_LENGTH, length));
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(n * 2));
    let pin = '';
    // 250 = 25 × 10: bytes above it are skipped so every digit is equally likely
    for (const b of bytes) if (b < 250 && pin.length < n) pin += String(b % 10);
    if (pin.length === n && checkPin(pin, extension) === null) return pin;
  }
}
