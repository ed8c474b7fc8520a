import { parseArgs } from 'node:util';
import type { ConsumerName } from '@catalogue/shared';

export type DeadLetterCommand =
  | { command: 'list'; consumers: ConsumerName[]; max?: number; json: boolean }
  | { command: 'replay'; consumers: ConsumerName[]; max?: number; ids: string[] | 'all' };

export const DEAD_LETTERS_USAGE = `usage:
  npm run dead-letters -- list [--queue main|admin] [--max N] [--json]
  npm run dead-letters -- replay <message-id...> [--queue main|admin]
  npm run dead-letters -- replay --all [--queue main|admin]`;

/** The command line of `npm run dead-letters`, or undefined when it makes no sense (print the usage). */
export function parseDeadLetterCommand(argv: string[]): DeadLetterCommand | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        queue: { type: 'string' },
        all: { type: 'boolean', default: false },
        max: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch {
    return undefined;
  }
  const { values, positionals } = parsed;
  const [command, ...ids] = positionals;
  const consumers: ConsumerName[] =
    values.queue === undefined ? ['main', 'admin'] : values.queue === 'main' || values.queue === 'admin' ? [values.queue] : [];
  const max = values.max === undefined ? undefined : Number(values.max);
  if (consumers.length === 0 || (max !== undefined && !(Number.isInteger(max) && max > 0))) return undefined;
  if (command === 'list' && ids.length === 0 && !values.all) return { command, consumers, max, json: values.json };
  // Either ids or --all, never both: a typo must not turn into "replay everything".
  if (command === 'replay' && values.all !== ids.length > 0 && !values.json)
    return { command, consumers, max, ids: values.all ? 'all' : ids };
  return undefined;
}
