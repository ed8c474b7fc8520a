import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

interface Operation {
  responses?: Record<string, unknown>;
}
type PathItem = Record<string, Operation>;

const description = parse(readFileSync(resolve(__dirname, '../../../docs/openapi.yaml'), 'utf8')) as { paths: Record<string, PathItem> };

/** Asserts that docs/openapi.yaml documents this status for the operation (path as written there, e.g. /api/products/{id}). */
export function assertDocumented(method: string, path: string, status: number): void {
  const operation = description.paths[path]?.[method.toLowerCase()];
  assert.ok(operation, `docs/openapi.yaml describes ${method.toUpperCase()} ${path}`);
  const documented = Object.keys(operation.responses ?? {});
  assert.ok(documented.includes(String(status)), `${method.toUpperCase()} ${path} answered ${status}, not among the documented ${documented.join(', ')}`);
}
