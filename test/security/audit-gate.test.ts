import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';

type Verdict = (json: string, options?: { strict?: boolean }) => { ok: boolean; lines: string[] };
// The gate's decision lives in an ES module beside the CI scripts (Node 24 can require it).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the line above: a CommonJS test, an ES module
const { auditVerdict } = require(resolve(__dirname, '../../../scripts/audit-verdict.mjs')) as { auditVerdict: Verdict };

const report = (counts: Record<string, number>, vulnerabilities: Record<string, { severity: string; range?: string }> = {}) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts } },
  });

describe('the npm audit gate in CI', () => {
  test('fails on a high or a critical finding and names the package', () => {
    const high = auditVerdict(report({ high: 1 }, { 'path-to-regexp': { severity: 'high', range: '<0.1.12' } }));
    assert.equal(high.ok, false);
    assert.ok(high.lines.some((l) => l.includes('path-to-regexp')));
    assert.equal(auditVerdict(report({ critical: 2 })).ok, false);
  });

  test('passes with only moderate or low findings, or none', () => {
    assert.equal(auditVerdict(report({ moderate: 3, low: 1 })).ok, true);
    assert.equal(auditVerdict(report({})).ok, true);
  });

  test('without a report (audit endpoint unavailable) it warns, and fails when strict', () => {
    const unavailable = JSON.stringify({ message: '405 Method Not Allowed', statusCode: 405 });
    assert.deepEqual(auditVerdict(unavailable), { ok: true, lines: ['npm audit could not run: 405 Method Not Allowed'] });
    assert.equal(auditVerdict(unavailable, { strict: true }).ok, false);
    assert.equal(auditVerdict('not json', { strict: true }).ok, false);
  });
});
