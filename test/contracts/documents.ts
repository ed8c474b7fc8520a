import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { adminApiDocument } from '@catalogue/admin-service/dist/openapi';
import { mainApiDocument } from '@catalogue/main-service/dist/http/openapi';
import { asyncApiDocument } from '@catalogue/shared';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

const header = (source = 'the code') =>
  `# Generated from ${source} by \`npm run contracts\` (test/contracts/documents.ts); do not edit by hand.\n# A test fails when this file and its source disagree.\n`;

/** The alert rules as the Prometheus Operator takes them: deploy/prometheus/alerts.yml's groups, unchanged. */
export function prometheusRule(): object {
  const rules = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: unknown[] };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'catalogue' },
    spec: { groups: rules.groups },
  };
}

/** The contract documents kept in the repository, each rendered from the code or file that is its source. */
export function contractDocuments(): { path: string; document: object; source?: string }[] {
  return [
    { path: 'docs/openapi/main-service.yaml', document: mainApiDocument() },
    { path: 'docs/openapi/admin-service.yaml', document: adminApiDocument() },
    { path: 'docs/asyncapi.yaml', document: asyncApiDocument() },
    { path: 'deploy/k8s/base/prometheus-rules.yaml', document: prometheusRule(), source: 'deploy/prometheus/alerts.yml' },
  ];
}

export const render = (document: object, source?: string): string =>
  header(source) + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });

export const committed = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');
