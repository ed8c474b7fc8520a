import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import type { MessagingObserver } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

describe('the outbox relay, when a claim rolls back after the broker confirmed its rows', () => {
  let main: MainUnderTest;
  let published = 0;
  let rolledBack = 0;
  const observer: MessagingObserver = {
    published: (_type, count) => (published += count),
    claimRolledBack: (rows) => (rolledBack += rows),
  };
  before(async () => {
    main = await startMain({ RUN_CONSUMER: 'false', OUTBOX_SWEEP_MS: '100' }, { observer });
    await main.messaging.ready();
  });
  after(() => main.stop());

  test('counts the rolled-back rows, publishes them again, and deletes them once the claim commits', async () => {
    const id = freshProductId();
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Lamp', 'https://img.example/lamp.png', 1)", [
      id,
    ]);
    // The DELETE that marks rows sent fails, so each claim rolls back after its publish was confirmed.
    await main.dataSource.query(
      "CREATE TRIGGER refuse_outbox_delete BEFORE DELETE ON outbox FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'",
    );
    try {
      await request(main.app)
        .post(`/api/products/${id}/like`)
        .set('Authorization', `Bearer ${await tokenFor('rollback')}`)
        .expect(200);
      await eventually(async () => rolledBack >= 2, { what: 'two claims to roll back after their publish' });
    } finally {
      await main.dataSource.query('DROP TRIGGER refuse_outbox_delete');
    }
    await eventually(async () => Number((await main.dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n) === 0, {
      what: 'the row to be deleted',
    });
    // One like: every confirmed publish but the one whose claim committed is a counted rollback.
    assert.equal(published - 1, rolledBack);
  });
});
