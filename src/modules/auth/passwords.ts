import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * argon2id with OWASP's baseline (19 MiB, 2 passes, 1 lane). ARGON2_MEMORY_KIB / ARGON2_TIME_COST may raise
 * it; verify() reads the parameters from the stored PHC string, so old hashes keep working after a change.
 */
const ARGON2ID = 2 as Algorithm;
export const ARGON2_OPTIONS: Options = {
  algorithm: ARGON2ID,
  memoryCost: Number(process.env.ARGON2_MEMORY_KIB ?? 19456),
  timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Computes the throwaway hash ahead of the first unknown-account login (so that one is not slower either). */
export function primeDummyHash(): void {
  dummy ??= hashPassword(`dummy-${Math.random()}`);
}

/**
 * Verifies against a throwaway hash so that an unknown account or email costs the same time as a wrong
 * password: the answer's timing does not tell an attacker which accounts or emails exist.
 */
export async function burnVerify(password: string): Promise<false> {
  dummy ??= hashPassword(`dummy-${Math.random()}`);
  await verifyPassword(await dummy, password);
  return false;
}
