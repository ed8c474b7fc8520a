import amqplib from 'amqplib';
import {
  deadLetterQueueOf,
  listDeadLetters,
  redactUrl,
  replayDeadLetters,
  replayTargetOf,
  topologyFor,
  type DeadLetter,
} from '@catalogue/shared';
import { loadOpsConfig } from './config';
import { DEAD_LETTERS_USAGE, parseDeadLetterCommand } from './dead-letters/command';

function line(d: DeadLetter): string {
  return `${d.queue}  ${d.messageId ?? '(no message id)'}  ${d.type ?? '?'}  from ${d.originalExchange || '(default exchange)'}/${d.originalRoutingKey}  deaths ${d.deaths}  ${d.bytes} B\n    reason: ${d.reason}`;
}

/** `npm run dead-letters`: lists dead-lettered messages with their reason, and replays chosen ones. */
async function run(): Promise<number> {
  const parsed = parseDeadLetterCommand(process.argv.slice(2));
  if (!parsed) {
    console.error(DEAD_LETTERS_USAGE);
    return 2;
  }
  const { consumers, max } = parsed;
  const config = loadOpsConfig(process.env, { broker: true });
  const topology = topologyFor(config.AMQP_NAMESPACE);
  let connection: amqplib.ChannelModel;
  try {
    connection = await amqplib.connect(config.brokerUrl);
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error -- the cause may name the URL with its password: this error redacts it
    throw new Error(`RabbitMQ at ${redactUrl(config.brokerUrl)} is unreachable: ${(err as Error).message}`);
  }
  connection.on('error', () => undefined);
  try {
    if (parsed.command === 'list') {
      const listed: DeadLetter[] = [];
      for (const consumer of consumers) listed.push(...(await listDeadLetters(connection, deadLetterQueueOf(topology, consumer), { max })));
      if (parsed.json) console.log(JSON.stringify(listed, null, 2));
      else
        console.log(
          [
            ...listed.map(line),
            `${listed.length} dead-lettered message(s) in ${consumers.map((c) => deadLetterQueueOf(topology, c)).join(', ')}`,
          ].join('\n'),
        );
      return 0;
    }
    const all = parsed.ids === 'all';
    const wanted = new Set(all ? [] : parsed.ids);
    const found = new Set<string>();
    let replayed = 0;
    let failed = 0;
    for (const consumer of consumers) {
      const outcome = await replayDeadLetters(
        connection,
        replayTargetOf(topology, consumer),
        (d) => {
          if (all) return true;
          if (d.messageId === undefined || !wanted.has(d.messageId)) return false;
          found.add(d.messageId);
          return true;
        },
        { confirmTimeoutMs: config.PUBLISH_CONFIRM_TIMEOUT_MS, max },
      );
      for (const d of outcome.replayed)
        console.log(`replayed ${d.messageId ?? '(no message id)'} from ${d.queue} to ${outcome.exchange}/${d.originalRoutingKey}`);
      for (const f of outcome.failed)
        console.log(
          `FAILED ${f.deadLetter.messageId ?? '(no message id)'} from ${f.deadLetter.queue}: ${f.error} (left in the dead-letter queue)`,
        );
      replayed += outcome.replayed.length;
      failed += outcome.failed.length;
    }
    const missing = all ? [] : [...wanted].filter((id) => !found.has(id));
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
