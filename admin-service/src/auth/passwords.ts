import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's minimum). The encoded
 * hash carries its parameters, so raising them later still verifies old hashes.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

let decoy: Promise<string> | undefined;

/**
 * Whether `password` matches `encoded`. Without a stored hash (unknown email, or a user without a
 * password) it still runs one verification against a decoy, so timing does not reveal which emails exist.
 */
export async function passwordMatches(password: string, encoded: string | null | undefined): Promise<boolean> {
  if (!encoded) {
    decoy ??= hash('decoy password that matches nothing');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(encoded, password);
  } catch {
    return false;
  }
}
