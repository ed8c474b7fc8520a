// Bearer tokens for the bench. The only place that knows how the services authenticate, so a
// change of scheme is a change here alone. They are what main and admin verify now
// (packages/shared/src/auth/tokens.ts): a `role` claim, iss 'catalogue-admin', aud 'catalogue'.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';

const ISSUER = 'catalogue-admin';
const AUDIENCE = 'catalogue';

/**
 * Keys for one bench run: customers' tokens are HS256 with a fresh JWT_SECRET (main still accepts
 * one, and then never asks admin for its JWKS); admin signs and checks RS256 with a fresh key pair,
 * with which the bench signs its own staff token (admin's writes) and main's snapshot-reader
 * credential (its start-up resync; production main refuses a staff token there).
 */
export function createIdentity() {
  const secret = randomBytes(32).toString('hex');
  const customerKey = new TextEncoder().encode(secret);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signed = async (role, subject) => {
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new SignJWT({ role })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('6h')
      .sign(privateKey);
  };
  let staff;
  const staffToken = async () => {
    staff ??= signed('staff', 'bench-staff');
    return staff;
  };
  return {
    /** Env for admin: its token signing key. */
    adminEnv: () => ({ JWT_PRIVATE_KEY: privatePem }),
    /** Env for main: the customers' HS256 key, and the snapshot-reader credential for its start-up resync. */
    mainEnv: async () => ({ JWT_SECRET: secret, ADMIN_TOKEN: await signed('snapshot-reader', 'main-service') }),
    staffToken,
    /** Signs one customer token per user id, all valid for the whole run. */
    async tokensFor(userIds) {
      return Promise.all(
        userIds.map((sub) =>
          new SignJWT({ role: 'customer' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(sub)
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt()
            .setExpirationTime('6h')
            .sign(customerKey),
        ),
      );
    },
  };
}
