import { RefreshingSecret, SecretError, SecretsManagerReader, type Logger, type VersionStage } from '@catalogue/shared';
import type { AdminConfig } from '../config';
import { fromPem, processOnlyKey, publicJwksFromPem, type PublicJwk, type SigningKey } from './signing-key';

/** What admin signs with and what it publishes. */
export interface KeyRing {
  /** Signs every new token. */
  readonly current: SigningKey;
  /**
   * Published at /.well-known/jwks.json and accepted by admin's own routes, by `kid`: the current
   * key first, then the next one (before it signs anything) and the previous one (until its
   * tokens expire).
   */
  readonly published: readonly PublicJwk[];
}

/** The key ring in use now; a new ring object whenever the keys change. */
export interface SigningKeys {
  ring(): KeyRing;
  close(): void;
}

/** Keys from the environment: they change with a restart. */
export function fixedKeys(current: SigningKey, extra: readonly PublicJwk[] = []): SigningKeys {
  const ring = { current, published: byKid([current.publicJwk, ...extra]) };
  return { ring: () => ring, close: () => undefined };
}

/**
 * The ring admin runs with. With JWT_PRIVATE_KEY_SECRET_ID it follows the secret's version stages,
 * read at start and every SECRET_REFRESH_SECONDS: AWSCURRENT signs, AWSPENDING and AWSPREVIOUS are
 * published too. Putting a new value moves AWSCURRENT to it and AWSPREVIOUS to the old one (tokens
 * signed before stay valid until they expire); a value put as AWSPENDING first is published on
 * every replica before any of them signs with it (docs/decisions/0018). A failed re-read keeps the
 * ring in use. JWT_EXTRA_PUBLIC_KEYS are always published as well (rotation without Secrets Manager).
 */
export async function loadSigningKeys(config: AdminConfig, logger: Logger): Promise<SigningKeys> {
  const extra = config.JWT_EXTRA_PUBLIC_KEYS ? await publicJwksFromPem(config.JWT_EXTRA_PUBLIC_KEYS, 'JWT_EXTRA_PUBLIC_KEYS') : [];
  if (config.JWT_PRIVATE_KEY) return fixedKeys(await fromPem(config.JWT_PRIVATE_KEY), extra);
  if (!config.JWT_PRIVATE_KEY_SECRET_ID) return fixedKeys(await processOnlyKey(config, logger), extra);

  const secretId = config.JWT_PRIVATE_KEY_SECRET_ID;
  const reader = new SecretsManagerReader(config);
  const secret = await RefreshingSecret.load<KeyRing>({
    kind: 'signing_key',
    read: () => readRing(reader, secretId, extra),
    same: (a, b) => a.current.publicJwk.kid === b.current.publicJwk.kid && kidsOf(a) === kidsOf(b),
    minIntervalMs: config.SECRET_MIN_INTERVAL_SECONDS * 1000,
    logger,
    close: () => reader.close(),
  });
  logRing(logger, secret.current);
  const timer = setInterval(() => {
    const before = secret.current;
    void secret.refresh().then((ring) => ring !== before && logRing(logger, ring));
  }, config.SECRET_REFRESH_SECONDS * 1000);
  timer.unref();
  return {
    ring: () => secret.current,
    close: () => {
      clearInterval(timer);
      secret.close();
    },
  };
}

const WHAT = 'JWT private key secret';

async function readRing(reader: SecretsManagerReader, secretId: string, extra: readonly PublicJwk[]): Promise<KeyRing> {
  const [current, pending, previous] = await Promise.all([
    reader.read(secretId, WHAT, 'AWSCURRENT'),
    reader.readIfPresent(secretId, WHAT, 'AWSPENDING'),
    reader.readIfPresent(secretId, WHAT, 'AWSPREVIOUS'),
  ]);
  const parse = async (pem: string, stage: VersionStage): Promise<SigningKey> => {
    try {
      return await fromPem(pem, `the ${stage} version of ${WHAT} "${secretId}"`);
    } catch (err) {
      // fromPem's messages name the stage and the problem, never the key.
      throw new SecretError((err as Error).message);
    }
  };
  const signing = await parse(current, 'AWSCURRENT');
  const others = await Promise.all([pending && parse(pending, 'AWSPENDING'), previous && parse(previous, 'AWSPREVIOUS')]);
  return { current: signing, published: byKid([signing.publicJwk, ...others.flatMap((key) => (key ? [key.publicJwk] : [])), ...extra]) };
}

function byKid(keys: readonly PublicJwk[]): PublicJwk[] {
  const seen = new Set<string>();
  return keys.filter((key) => !seen.has(key.kid) && seen.add(key.kid));
}

function kidsOf(ring: KeyRing): string {
  return ring.published.map((key) => key.kid).join(' ');
}

function logRing(logger: Logger, ring: KeyRing): void {
  // Key ids are public (the JWKS shows them): they tell operators which key signs.
  logger.info({ signingKid: ring.current.publicJwk.kid, publishedKids: ring.published.map((key) => key.kid) }, 'token signing keys in use');
}
