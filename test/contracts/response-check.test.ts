import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import express from 'express';
import request from 'supertest';
import { ResponseContract } from '../support/contract';

/**
 * The check of every answer against the OpenAPI documents runs in every test process because
 * scripts/run-tests.mjs preloads test/support/response-check.js. This file does not load it
 * itself: if the preload went missing, these tests fail instead of every check passing silently.
 */

const document = {
  openapi: '3.1.0',
  info: { title: 'a small API', version: '1' },
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          200: { description: 'A thing.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          404: {
            description: 'None.',
            content: { 'application/json': { schema: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } } } },
          },
        },
      },
    },
    '/things': { delete: { responses: { 204: { description: 'Gone.' } } } },
  },
  components: {
    schemas: { Thing: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer' } } } },
  },
};

/** An app that serves the document above and answers whatever a test tells it to. */
function appAnswering(status: number, body: unknown) {
  const app = express();
  app.get('/api/openapi.json', (_req, res) => void res.json(document));
  app.get('/things/:id', (_req, res) => void res.status(status).json(body));
  app.get('/elsewhere', (_req, res) => void res.status(418).json({ anything: true }));
  return app;
}

describe('the response check', () => {
  test('is installed in this process by the test runner', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Test = require('supertest/lib/test.js') as { prototype: Record<symbol, unknown> };
    assert.equal(
      Test.prototype[Symbol.for('catalogue.responseContractCheck')],
      true,
      'scripts/run-tests.mjs must --require test/dist/support/response-check.js',
    );
  });

  test('a body that breaks the schema fails the request, even when the test expected its status', async () => {
    await assert.rejects(
      request(appAnswering(200, { id: 'seven' }))
        .get('/things/7')
        .expect(200),
      /GET \/things\/\{id\} 200 body does not match the OpenAPI document: \/id must be integer/,
    );
    await assert.rejects(request(appAnswering(200, { id: 7, extra: 1 })).get('/things/7'), /must NOT have additional properties \(extra\)/);
  });

  test('a status the operation does not document fails the request', async () => {
    await assert.rejects(
      request(appAnswering(409, { code: 'conflict' }))
        .get('/things/7')
        .expect(409),
      /GET \/things\/\{id\} answered 409, which the OpenAPI document does not list/,
    );
  });

  test('a conforming answer passes, and a path the document does not describe is not judged', async () => {
    await request(appAnswering(200, { id: 7 }))
      .get('/things/7')
      .expect(200, { id: 7 });
    await request(appAnswering(404, { code: 'not_found' }))
      .get('/things/8')
      .expect(404);
    await request(appAnswering(200, { id: 7 }))
      .get('/elsewhere')
      .expect(418);
  });

  test('the checker on its own: content type, empty bodies and HEAD', () => {
    const contract = new ResponseContract(document);
    assert.match(
      contract.problemWith({ method: 'GET', path: '/things/1', status: 200, contentType: 'text/plain', text: 'x' }) ?? '',
      /answered text\/plain/,
    );
    assert.match(
      contract.problemWith({ method: 'DELETE', path: '/things', status: 204, contentType: undefined, text: 'surprise' }) ?? '',
      /no documented body/,
    );
    assert.equal(contract.problemWith({ method: 'DELETE', path: '/things', status: 204, contentType: undefined, text: '' }), undefined);
    assert.equal(
      contract.problemWith({ method: 'HEAD', path: '/things/1?x=1', status: 200, contentType: 'application/json', text: '' }),
      undefined,
    );
    assert.match(
      contract.problemWith({ method: 'HEAD', path: '/things/1', status: 500, contentType: 'application/json', text: '' }) ?? '',
      /answered 500/,
    );
  });
});
