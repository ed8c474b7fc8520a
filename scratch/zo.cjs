const { z } = require('zod');
const { createDocument } = require('zod-openapi');
const s = require('../packages/shared/dist');
const doc = createDocument({
  openapi: '3.1.0', info: { title: 't', version: '1' },
  paths: {
    '/p/{id}': { get: {
      requestParams: { path: z.object({ id: z.coerce.number().int().min(1) }), query: z.object({limit: s.pageQuerySchema.shape.limit, after: s.pageQuerySchema.shape.after}) },
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: s.adminSnapshotRowSchema } } } } } },
    '/login': { post: { requestBody: { content: { 'application/json': { schema: z.strictObject({ email: z.email().max(255).transform(e=>e.toLowerCase()), password: z.string() }) } } }, responses: { 200: { description: 'x' } } } },
    '/ev': { get: { responses: { 200: { description: 'x', content: {'application/json': {schema: s.productCreatedSchema}} } } } },
  },
});
console.log(JSON.stringify(doc, null, 1).slice(0, 4000));
