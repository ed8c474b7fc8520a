import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Verdict } from './checker';
import type { EvidenceItem } from './evidence';
import type { Operation } from './history';

const REPO = path.resolve(__dirname, '../../../..');
export const RESULTS_DIR = path.join(REPO, 'test-results', 'faults');

/** Everything needed to read a scenario's run afterwards: what it did, what it saw, what it decided. */
export interface ScenarioRecord {
  scenario: string;
  proves: string;
  seed: number;
  startedAt: string;
  durationMs: number;
  passed: boolean;
  error?: string;
  evidence: EvidenceItem[];
  verdict?: Verdict;
  /** The last lines each service wrote, when the scenario failed. */
  logs?: { main: string; admin: string };
  /** The operations invoked during this scenario; earlier ones are in earlier scenarios' files. */
  history: { from: number; to: number; summary: string; operations: Operation[] };
}

export function resultFileName(name: string): string {
  return `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.json`;
}

/** Writes test-results/faults/<name>.json and returns its path. */
export function writeScenarioRecord(fileName: string, record: ScenarioRecord): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, fileName);
  // One operation per line: readable, and a third of the size of fully indented JSON.
  const placeholder = '"<operations>"';
  const text = JSON.stringify({ ...record, history: { ...record.history, operations: '<operations>' } }, null, 1);
  const operations = `[\n${record.history.operations.map((op) => `  ${JSON.stringify(op)}`).join(',\n')}\n ]`;
  writeFileSync(file, `${text.replace(placeholder, () => operations)}\n`);
  return file;
}
