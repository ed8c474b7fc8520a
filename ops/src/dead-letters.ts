import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import { deadLetterQueueOf, redactUrl, topologyFor, type ConsumerName } from '@catalogue/shared';
import { loadOpsConfig } from './config';
import { listDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters/dead-letters';

const USAGE = `usage:
  npm run dead-letters -- list [--queue main|admin] [--max N] [--json]
  npm run dead-letters -- replay <message-id...> [--queue main|admin]
  npm run dead-letters -- replay --all [--queue main|admin]`;

function line(d: DeadLetter): string {
  return `${d.queue}  ${d.messageId ?? '(no message id)'}  ${d.type ?? '?'}  from ${d.originalExchange || '(default exchange)'}/${d.originalRoutingKey}  deaths ${d.deaths}  ${d.bytes} B\n    reason: ${d.reason}`;
}

/** `npm run dead-letters`: lists dead-lettered messages with their reason, and replays chosen ones. */
async function run(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { queue: { type: 'string' }, all: { type: 'boolean', default: false }, max: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [command, ...ids] = positionals;
  const consumers: ConsumerName[] = values.queue === undefined ? ['main', 'admin'] : values.queue === 'main' || values.queue === 'admin' ? [values.queue] : [];
  const max = values.max === undefined ? undefined : Number(values.max);
  if (consumers.length === 0 || (max !== undefined && !(Number.isInteger(max) && max > 0)) || (command !== 'list' && command !== 'replay') || (command === 'replay' && values.all === ids.length > 0) || (command === 'list' && ids.length > 0)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadOpsConfig(process.env);
  const topology = topologyFor(config.AMQP_NAMESPACE);
  let connection: amqplib.ChannelModel;
  try {
    connection = await amqplib.connect(config.brokerUrl);
  } catch (err) {
    throw new Error(`RabbitMQ at ${redactUrl(config.brokerUrl)} is unreachable: ${(err as Error).message}`);
  }
  connection.on('error', () => undefined);
  try {
    if (command === 'list') {
      const all: DeadLetter[] = [];
      for (const consumer of consumers) all.push(...(await listDeadLetters(connection, deadLetterQueueOf(topology, consumer), { max })));
      if (values.json) console.log(JSON.stringify(all, null, 2));
      else console.log([...all.map(line), `${all.length} dead-lettered message(s) in ${consumers.map((c) => deadLetterQueueOf(topology, c)).join(', ')}`].join('\n'));
      return 0;
    }
    const wanted = new Set(ids);
    const found = new Set<string>();
    let replayed = 0;
    let failed = 0;
    for (const consumer of consumers) {
      const outcome = await replayDeadLetters(
        connection,
        deadLetterQueueOf(topology, consumer),
        (d) => {
          if (values.all) return true;
          if (d.messageId === undefined || !wanted.has(d.messageId)) return false;
          found.add(d.messageId);
          return true;
        },
        { confirmTimeoutMs: config.PUBLISH_CONFIRM_TIMEOUT_MS, max },
      );
      for (const d of outcome.replayed) console.log(`replayed ${d.messageId ?? '(no message id)'} from ${d.queue} to ${d.originalExchange || '(default exchange)'}/${d.originalRoutingKey}`);
      for (const f of outcome.failed) console.log(`FAILED ${f.deadLetter.messageId ?? '(no message id)'} from ${f.deadLetter.queue}: ${f.error} (left in the dead-letter queue)`);
      replayed += outcome.replayed.length;
      failed += outcome.failed.length;
    }
    const missing = values.all ? [] : [...wanted].filter((id) => !found.has(id));
    for (const id of missing) console.log(`not found: ${id}`);
    console.log(`replayed: ${replayed}; failed: ${failed}; not found: ${missing.length}`);
    return failed === 0 && missing.length === 0 ? 0 : 1;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`dead-letters failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
