// Bearer tokens for the like scenarios. The only place that knows how main-service authenticates,
// so a change of scheme (e.g. RS256 with a JWKS) is a change here alone.
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** A fresh HS256 secret for one bench run, and the env main-service needs to accept its tokens. */
export function createIdentity() {
  const secret = randomBytes(32).toString('hex');
  const key = new TextEncoder().encode(secret);
  return {
    serviceEnv: { JWT_SECRET: secret },
    /** Signs one token per user id, all valid for the whole run. */
    async tokensFor(userIds) {
      return Promise.all(
        userIds.map((sub) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('2h').sign(key)),
      );
    },
  };
}
