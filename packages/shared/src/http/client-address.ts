import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The header main sets on a sign-in it passes to admin: the client address main computed itself
 * (under its own TRUST_PROXY_HOPS) and a proof that main set it. Admin honours it only with a
 * valid proof; anything else (a client's forgery, a stale or foreign proof) is ignored.
 */
export const CLIENT_ADDRESS_HEADER = 'x-catalogue-client-address';

/** How old a proof may be (either way, for clock skew between pods): a captured header is good for no longer. */
export const CLIENT_ADDRESS_MAX_AGE_SECONDS = 60;

/** Separates this HMAC's inputs from any other use of the same secret. */
const PURPOSE = 'catalogue-client-address/v1';

const secretList = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((secret) => secret.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(32, 'each secret must be at least 32 characters')).min(1))
    .optional(),
);

/** Both services read it. Main signs with the first secret; admin accepts any of them (rotation). */
export const clientAddressEnvShape = {
  /**
   * Shared by main and admin: main proves with it that the client address it forwards with a
   * sign-in is its own reading. Comma-separated to rotate (main signs with the first, admin
   * accepts each). Holds secrets: never logged.
   */
  CLIENT_ADDRESS_SECRET: secretList,
} as const;

function proofOf(secret: string, address: string, issuedAt: number): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${address}\n${issuedAt}`).digest();
}

/** The header value for `address`, as main sends it: `a=<address>;t=<unix seconds>;s=<HMAC-SHA256, base64url>`. */
export function signClientAddress(address: string, secret: string, nowMs = Date.now()): string {
  const issuedAt = Math.floor(nowMs / 1000);
  return `a=${address};t=${issuedAt};s=${proofOf(secret, address, issuedAt).toString('base64url')}`;
}

const HEADER_FORMAT = /^a=([0-9A-Fa-f:.]{2,45});t=(\d{1,12});s=([A-Za-z0-9_-]{43})$/;

export type ClientAddressCheck = { ok: true; address: string } | { ok: false; reason: 'malformed' | 'expired' | 'bad_proof' };

/** Checks a header value against the accepted secrets: the address when one of them proves it and it is fresh. */
export function verifyClientAddress(value: string, secrets: readonly string[], nowMs = Date.now()): ClientAddressCheck {
  const parts = HEADER_FORMAT.exec(value);
  if (!parts || isIP(parts[1]!) === 0) return { ok: false, reason: 'malformed' };
  const [, address, issued, proof] = parts as unknown as [string, string, string, string];
  const issuedAt = Number(issued);
  if (Math.abs(nowMs / 1000 - issuedAt) > CLIENT_ADDRESS_MAX_AGE_SECONDS) return { ok: false, reason: 'expired' };
  const given = Buffer.from(proof, 'base64url');
  const proven = secrets.some((secret) => {
    const expected = proofOf(secret, address, issuedAt);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return proven ? { ok: true, address } : { ok: false, reason: 'bad_proof' };
}
