import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import express from 'express';
import request from 'supertest';
import { DependencyBreaker, TokenVerifier, type Logger } from '@catalogue/shared';
import { TEST_JWT_SECRET, tokenFor } from '../test-support';
import { AdminUsersClient } from '../users/users.client';
import { UsersService } from '../users/users.service';
import { authenticate, identityOf, requireRole } from './auth.middleware';
import { errorHandler } from './errors.middleware';

const silent = { warn: () => undefined, error: () => undefined } as unknown as Logger;

/** A staff-only route as an operations endpoint on main would mount it. */
function appWithStaffRoute() {
  const users = new UsersService(
    new TokenVerifier({ key: { kind: 'secret', secret: TEST_JWT_SECRET }, issuer: 'catalogue-admin', audience: 'catalogue' }),
    new AdminUsersClient(
      'http://127.0.0.1:9',
      new DependencyBreaker('admin_users', { timeoutMs: 100, failures: 5, halfOpenAfterMs: 5000 }),
    ),
    false,
    // No user revoked (revocation has its own test against the database).
    { assertCurrent: async () => undefined },
  );
  const app = express();
  app.get('/api/ops', authenticate(users), requireRole('staff'), (req, res) => {
    res.json({ by: identityOf(req).subject });
  });
  app.use(errorHandler(silent));
  return app;
}

describe('authenticate and requireRole', () => {
  test('anonymous callers get 401, customers 403, staff get through as themselves', async () => {
    const app = appWithStaffRoute();
    const anonymous = await request(app).get('/api/ops').expect(401);
    assert.equal(anonymous.body.code, 'unauthenticated');
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
    assert.equal(
      (
        await request(app)
          .get('/api/ops')
          .set('authorization', `Bearer ${await tokenFor('5')}`)
          .expect(403)
      ).body.code,
      'forbidden',
    );
    const staff = await request(app)
      .get('/api/ops')
      .set('authorization', `Bearer ${await tokenFor('6', { role: 'staff' })}`)
      .expect(200);
    assert.deepEqual(staff.body, { by: '6' });
  });
});
