import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../logging/logger';
import { credentialEvents } from '../observability/credential-events';
import { startLocalSecretsManager, type LocalSecretsManager } from '../testing/secrets-manager';
import { databaseCredentialSource } from './database-credentials';
import { SecretError } from './secrets';

let sm: LocalSecretsManager;
const lines: string[] = [];
const logger = createLogger({
  service: 'refreshing-secret-test',
  level: 'debug',
  destination: { write: (line: string) => lines.push(line) },
});

before(async () => {
  sm = await startLocalSecretsManager();
  process.env.AWS_ACCESS_KEY_ID = sm.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = sm.env.AWS_SECRET_ACCESS_KEY;
});
after(() => sm.close());

const settings = (secretId: string) => ({
  DB_HOST: 'db.local',
  DB_PORT: 3306,
  DB_SECRET_ID: secretId,
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
});
const secret = (username: string, password: string) => JSON.stringify({ username, password });

describe('a database secret read again while the service runs', () => {
  test('many callers at once cause one read, and reads stay the minimum interval apart', async () => {
    sm.put('rs/burst', secret('u1', 'p1'));
    const source = await databaseCredentialSource(settings('rs/burst'), 'db', { logger, minIntervalMs: 1500 });
    try {
      const before = sm.callsFor('rs/burst');
      sm.put('rs/burst', secret('u1', 'p2'));
      // Inside the interval since the first read: nobody reads, everybody gets the value in hand.
      const early = await Promise.all(Array.from({ length: 50 }, () => source.refresh()));
      assert.equal(sm.callsFor('rs/burst'), before);
      assert.ok(early.every((c) => c.password === 'p1'));
      // After it: fifty callers, one read, and all of them see the new value.
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const later = await Promise.all(Array.from({ length: 50 }, () => source.refresh()));
      assert.equal(sm.callsFor('rs/burst'), before + 1);
      assert.ok(later.every((c) => c.password === 'p2'));
      assert.equal(source.current.password, 'p2');
    } finally {
      source.close();
    }
  });

  test('a failing Secrets Manager keeps the credentials in hand, counts the failure and logs no secret', async () => {
    sm.put('rs/outage', secret('u-outage', 'sentinel-outage-pw-7713'));
    const source = await databaseCredentialSource(settings('rs/outage'), 'db', { logger, minIntervalMs: 1 });
    const errorsBefore = credentialEvents.secretReads('database', 'error');
    sm.failing(true);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const kept = await source.refresh();
      assert.equal(kept.user, 'u-outage');
      assert.equal(kept.password, 'sentinel-outage-pw-7713');
      assert.equal(credentialEvents.secretReads('database', 'error'), errorsBefore + 1);
      assert.ok(lines.some((line) => line.includes('could not read the secret again')));
      assert.deepEqual(
        lines.filter((line) => line.includes('sentinel-outage')),
        [],
      );
    } finally {
      sm.failing(false);
      source.close();
    }
  });

  test('a new value is counted as a change; the same value is not', async () => {
    sm.put('rs/change', secret('u', 'p1'));
    const source = await databaseCredentialSource(settings('rs/change'), 'db', { logger, minIntervalMs: 1 });
    try {
      const changes = credentialEvents.changesOf('database');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const same = source.current;
      assert.equal(await source.refresh(), same, 'an unchanged secret keeps its identity');
      assert.equal(credentialEvents.changesOf('database'), changes);
      sm.put('rs/change', secret('u-clone', 'p2'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal((await source.refresh()).user, 'u-clone');
      assert.equal(credentialEvents.changesOf('database'), changes + 1);
    } finally {
      source.close();
    }
  });

  test('the first read failing stops the start, naming the secret', async () => {
    await assert.rejects(
      databaseCredentialSource(settings('rs/none'), 'db', { logger, minIntervalMs: 1 }),
      (err: unknown) => err instanceof SecretError && /rs\/none/.test(err.message),
    );
  });

  test("without a secret id the credentials are the environment's and never read again", async () => {
    const source = await databaseCredentialSource({ DB_HOST: 'h', DB_PORT: 1, DB_USER: 'env', DB_PASSWORD: 'pw', AWS_REGION: 'x' }, 'db', {
      logger,
      minIntervalMs: 1,
    });
    assert.equal(source.refreshable, false);
    assert.equal((await source.refresh()).user, 'env');
  });
});
