import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { readSecretString, type Logger } from '@catalogue/shared';
import type { AdminConfig } from '../config';

export interface SigningKey {
  privateKey: KeyObject;
  /** The public half as published at /.well-known/jwks.json. */
  publicJwk: JWK & { kid: string; alg: 'RS256'; use: 'sig' };
}

const MIN_MODULUS_BITS = 2048;

/**
 * The key admin signs tokens with: JWT_PRIVATE_KEY, or the Secrets Manager secret named by
 * JWT_PRIVATE_KEY_SECRET_ID. Outside production, without either, a fresh key lives for this
 * process only (tokens die with it): there is never a built-in key.
 */
export async function loadSigningKey(config: AdminConfig, logger: Logger): Promise<SigningKey> {
  let pem = config.JWT_PRIVATE_KEY;
  if (!pem && config.JWT_PRIVATE_KEY_SECRET_ID) pem = await readSecretString(config, config.JWT_PRIVATE_KEY_SECRET_ID, 'JWT private key secret');
  if (!pem) {
    if (config.NODE_ENV === 'production') throw new Error('no JWT private key configured');
    if (config.NODE_ENV === 'development') logger.warn('no JWT_PRIVATE_KEY: signing with a key for this process only (run `npm run setup` for a lasting development key)');
    return fromPrivateKey(generateKeyPairSync('rsa', { modulusLength: MIN_MODULUS_BITS }).privateKey);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error('the JWT private key is not a readable PEM private key');
  }
  return fromPrivateKey(privateKey);
}

export async function fromPrivateKey(privateKey: KeyObject): Promise<SigningKey> {
  if (privateKey.asymmetricKeyType !== 'rsa' || (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_MODULUS_BITS) {
    throw new Error(`the JWT private key must be RSA of at least ${MIN_MODULUS_BITS} bits`);
  }
  const { n, e, kty } = createPublicKey(privateKey).export({ format: 'jwk' });
  const jwk = { kty: kty as string, n: n as string, e: e as string };
  return { privateKey, publicJwk: { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' } };
}
