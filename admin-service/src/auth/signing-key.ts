import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { readSecretString, type Logger } from '@catalogue/shared';
import type { AdminConfig } from '../config';

export type PublicJwk = JWK & { kid: string; alg: 'RS256'; use: 'sig' };

export interface SigningKey {
  privateKey: KeyObject;
  /** The public half as published at /.well-known/jwks.json. */
  publicJwk: PublicJwk;
}

const MIN_MODULUS_BITS = 2048;

/**
 * The key admin signs tokens with now: JWT_PRIVATE_KEY, or the current version of the Secrets
 * Manager secret named by JWT_PRIVATE_KEY_SECRET_ID. Outside production, without either, a fresh
 * key lives for this process only (tokens die with it): there is never a built-in key. The
 * running service holds a whole key ring (signing-keys.ts); scripts need only this.
 */
export async function loadSigningKey(config: AdminConfig, logger: Logger): Promise<SigningKey> {
  let pem = config.JWT_PRIVATE_KEY;
  if (!pem && config.JWT_PRIVATE_KEY_SECRET_ID)
    pem = await readSecretString(config, config.JWT_PRIVATE_KEY_SECRET_ID, 'JWT private key secret');
  if (!pem) return processOnlyKey(config, logger);
  return fromPem(pem);
}

/** Outside production only: a key of this process's own. */
export async function processOnlyKey(config: AdminConfig, logger: Logger): Promise<SigningKey> {
  if (config.NODE_ENV === 'production') throw new Error('no JWT private key configured');
  if (config.NODE_ENV === 'development')
    logger.warn('no JWT_PRIVATE_KEY: signing with a key for this process only (run `npm run setup` for a lasting development key)');
  return fromPrivateKey(generateKeyPairSync('rsa', { modulusLength: MIN_MODULUS_BITS }).privateKey);
}

/** A PEM private key (PKCS#8 or PKCS#1); errors never quote it. */
export async function fromPem(pem: string, where = 'the JWT private key'): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${where} is not a readable PEM private key`);
  }
  return fromPrivateKey(privateKey, where);
}

export async function fromPrivateKey(privateKey: KeyObject, where = 'the JWT private key'): Promise<SigningKey> {
  return { privateKey, publicJwk: await publicJwkOf(createPublicKey(privateKey), where) };
}

/** Public keys given as PEM blocks (SPKI), one after another; errors never quote them. */
export async function publicJwksFromPem(pems: string, where: string): Promise<PublicJwk[]> {
  const blocks = pems.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  return Promise.all(
    blocks.map((block) => {
      let key: KeyObject;
      try {
        key = createPublicKey(block);
      } catch {
        throw new Error(`${where} holds a block that is not a readable PEM public key`);
      }
      return publicJwkOf(key, where);
    }),
  );
}

async function publicJwkOf(publicKey: KeyObject, where: string): Promise<PublicJwk> {
  if (publicKey.asymmetricKeyType !== 'rsa' || (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_MODULUS_BITS) {
    throw new Error(`${where} must be RSA of at least ${MIN_MODULUS_BITS} bits`);
  }
  const { n, e, kty } = publicKey.export({ format: 'jwk' });
  const jwk = { kty: kty as string, n: n as string, e: e as string };
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}
