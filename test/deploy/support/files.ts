import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './code-facts';

export const readRepoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** YAML with `<<` merge keys resolved, as docker compose reads it. */
export const readYaml = <T>(path: string): T => parse(readRepoFile(path), { merge: true }) as T;

export const parseYamlDocuments = <T>(text: string): T[] => parseAllDocuments(text).map((doc) => doc.toJS() as T);

/** KEY=value lines of a dotenv file (comments and blank lines ignored). */
export function readDotenv(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readRepoFile(path).split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

const INTERPOLATION = /\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Names a compose value interpolates (`${NAME}`, `${NAME:-default}`, `${NAME:?message}`). */
export const interpolatedNames = (value: string): string[] => [...value.matchAll(INTERPOLATION)].map((m) => m[1]!);

/** Compose interpolation against a set of variables: defaults apply, a missing required one throws. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(INTERPOLATION, (_all, name: string, op: string | undefined, arg: string | undefined) => {
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (op === ':-' || op === '-') return arg ?? '';
    if (op === ':?' || op === '?') throw new Error(`${name} is required: ${arg}`);
    return '';
  });
}
