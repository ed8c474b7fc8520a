import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { AppError, createLogger, credentialEvents } from '@catalogue/shared';
import { eventually, startLocalSecretsManager, type LocalSecretsManager } from '@catalogue/shared/testing';
import { loadAdminConfig, type AdminConfig } from '../config';
import { fromPem } from './signing-key';
import { fixedKeys, loadSigningKeys, type SigningKeys } from './signing-keys';
import { TokensService } from './tokens.service';

const logger = createLogger({ service: 'signing-keys-test', level: 'silent' });
const pem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const kidOf = async (privatePem: string) => (await fromPem(privatePem)).publicJwk.kid;

let sm: LocalSecretsManager;
before(async () => {
  sm = await startLocalSecretsManager();
  process.env.AWS_ACCESS_KEY_ID ??= sm.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY ??= sm.env.AWS_SECRET_ACCESS_KEY;
});
after(() => sm.close());

/** Admin's configuration with its signing key in a secret that is read again every second. */
const fromSecret = (secretId: string): AdminConfig =>
  loadAdminConfig({
    DB_USER: 'admin',
    DB_PASSWORD: '',
    JWT_PRIVATE_KEY_SECRET_ID: secretId,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    AWS_REGION: 'eu-west-1',
    SECRET_REFRESH_SECONDS: '1',
    SECRET_MIN_INTERVAL_SECONDS: '1',
  });

/** 200 or the status of the AppError the verifier threw. */
const verdict = (tokens: TokensService, token: string) =>
  tokens.verifier.verify(`Bearer ${token}`).then(
    () => 200,
    (err: unknown) => (err instanceof AppError ? err.status : 0),
  );

const published = (tokens: TokensService) => tokens.jwks().keys.map((key) => key.kid);

describe('the signing keys from a secret follow its version stages', () => {
  let keys: SigningKeys | undefined;
  after(() => keys?.close());

  test('a pending key is published before it signs; promoted, it signs and the old key stays published until the next rotation', async () => {
    const [a, b, c] = [pem(), pem(), pem()];
    const [kidA, kidB, kidC] = await Promise.all([kidOf(a), kidOf(b), kidOf(c)]);
    sm.put('jwt/rotating', a);
    const config = fromSecret('jwt/rotating');
    keys = await loadSigningKeys(config, logger);
    const tokens = new TokensService(keys, config);
    const signedWith = (privatePem: string) =>
      fromPem(privatePem).then((key) => new TokensService(fixedKeys(key), config).issue('5', 'staff'));
    assert.deepEqual(published(tokens), [kidA]);
    const beforeRotation = (await tokens.issue('5', 'staff')).token;
    assert.equal(decodeProtectedHeader(beforeRotation).kid, kidA);
    const changes = credentialEvents.changesOf('signing_key');

    // Step 1: the next key as AWSPENDING. Every replica publishes and accepts it; none signs with it yet.
    sm.put('jwt/rotating', b, 'AWSPENDING');
    await eventually(async () => published(tokens).includes(kidB), { what: 'the pending key published' });
    assert.deepEqual(published(tokens), [kidA, kidB]);
    assert.equal(decodeProtectedHeader((await tokens.issue('5', 'staff')).token).kid, kidA, 'the current key still signs');
    assert.equal(await verdict(tokens, (await signedWith(b)).token), 200, 'a token of the next key is accepted already');

    // Step 2: AWSCURRENT moves to it; the old key becomes AWSPREVIOUS.
    sm.promotePending('jwt/rotating');
    await eventually(async () => decodeProtectedHeader((await tokens.issue('5', 'staff')).token).kid === kidB, {
      what: 'new tokens signed with the new key',
    });
    assert.deepEqual(published(tokens), [kidB, kidA]);
    assert.equal(await verdict(tokens, beforeRotation), 200, 'a token signed before the rotation still verifies');
    assert.ok(credentialEvents.changesOf('signing_key') >= changes + 2, 'both changes counted');

    // The next rotation: the key before last is no longer published, and its tokens are refused.
    sm.put('jwt/rotating', c);
    await eventually(async () => published(tokens)[0] === kidC, { what: 'the third key in use' });
    assert.deepEqual(published(tokens), [kidC, kidB]);
    assert.equal(await verdict(tokens, beforeRotation), 401);
  });

  test('when Secrets Manager fails, the keys in use stay in use and the failure is counted', async () => {
    const key = pem();
    sm.put('jwt/outage', key);
    const config = fromSecret('jwt/outage');
    const outageKeys = await loadSigningKeys(config, logger);
    try {
      const tokens = new TokensService(outageKeys, config);
      const errors = credentialEvents.secretReads('signing_key', 'error');
      sm.failing(true);
      await eventually(async () => credentialEvents.secretReads('signing_key', 'error') > errors, {
        what: 'a failed re-read',
        timeoutMs: 15_000,
      });
      const token = (await tokens.issue('6', 'customer')).token;
      assert.equal(decodeProtectedHeader(token).kid, await kidOf(key));
      assert.equal(await verdict(tokens, token), 200);
    } finally {
      sm.failing(false);
      outageKeys.close();
    }
  });

  test('a pending value that is not a key stops the start, naming the stage and never the value', async () => {
    sm.put('jwt/broken', pem());
    sm.put('jwt/broken', '-----BEGIN PRIVATE KEY-----\nSENTINELnotakey\n-----END PRIVATE KEY-----', 'AWSPENDING');
    await assert.rejects(
      loadSigningKeys(fromSecret('jwt/broken'), logger),
      (err: Error) => /AWSPENDING/.test(err.message) && /jwt\/broken/.test(err.message) && !err.message.includes('SENTINEL'),
    );
  });
});

describe('the signing keys from the environment', () => {
  test('JWT_EXTRA_PUBLIC_KEYS are published and accepted but never sign (rotation without Secrets Manager)', async () => {
    const [current, previous] = [pem(), pem()];
    const previousPublic = createPublicKey(previous).export({ type: 'spki', format: 'pem' }).toString();
    const config = loadAdminConfig({ DB_USER: 'admin', DB_PASSWORD: '', JWT_PRIVATE_KEY: current, JWT_EXTRA_PUBLIC_KEYS: previousPublic });
    const tokens = new TokensService(await loadSigningKeys(config, logger), config);
    assert.deepEqual(published(tokens), [await kidOf(current), await kidOf(previous)]);
    assert.equal(decodeProtectedHeader((await tokens.issue('7', 'staff')).token).kid, await kidOf(current));
    const old = await new TokensService(fixedKeys(await fromPem(previous)), config).issue('7', 'staff');
    assert.equal(await verdict(tokens, old.token), 200);
    assert.throws(() => loadAdminConfig({ DB_USER: 'a', DB_PASSWORD: '', JWT_EXTRA_PUBLIC_KEYS: 'not a key' }), /JWT_EXTRA_PUBLIC_KEYS/);
  });
});
