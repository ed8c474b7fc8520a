import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { adminApiDocument } from '@catalogue/admin-service/dist/openapi';
import { mainApiDocument } from '@catalogue/main-service/dist/http/openapi';
import { asyncApiDocument } from '@catalogue/shared';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

const HEADER = '# Generated from the code by `npm run contracts` (test/contracts/documents.ts); do not edit by hand.\n# A test fails when this file and the code disagree.\n';

/** The contract documents kept in docs/, each rendered from the code that enforces it. */
export function contractDocuments(): { path: string; document: object }[] {
  return [
    { path: 'docs/openapi/main-service.yaml', document: mainApiDocument() },
    { path: 'docs/openapi/admin-service.yaml', document: adminApiDocument() },
    { path: 'docs/asyncapi.yaml', document: asyncApiDocument() },
  ];
}

export const render = (document: object): string => HEADER + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });

export const committed = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');
