// The decision of `npm run audit`, apart from running npm, so a test can check it.

/**
 * From `npm audit --json` output: { ok, lines }. Any high or critical finding fails. No report
 * (the registry's audit endpoint did not answer) fails only when `strict`.
 */
export function auditVerdict(jsonText, { strict = false } = {}) {
  let report;
  try {
    report = JSON.parse(jsonText);
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (!counts) {
    const reason = report?.error?.summary || report?.message || report?.error?.code || 'no report';
    return { ok: !strict, lines: [`npm audit could not run: ${reason}`] };
  }
  const lines = [
    `npm audit (production dependencies): ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
  ];
  const serious = Object.entries(report.vulnerabilities ?? {}).filter(([, finding]) => ['high', 'critical'].includes(finding.severity));
  for (const [name, finding] of serious) lines.push(`  ${finding.severity}: ${name} ${finding.range ?? ''}`.trimEnd());
  const failing = (counts.high ?? 0) + (counts.critical ?? 0) > 0;
  if (failing) lines.push('high or critical findings: update or replace the package');
  return { ok: !failing, lines };
}
