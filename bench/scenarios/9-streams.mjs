// 9. Live streams (issue 18): likes spread over the products with no stream open, then with
// BENCH_STREAMS (1,000) streams open on the one main process. Reports the like rate of both runs,
// the delay from each like's commit to its count reaching a stream (measured at the readers, for
// every like, coalescing window included), memory per open stream, and what main's metrics say.
import { parseExposition } from '@catalogue/shared/testing';
import { percentiles } from '../lib/calibration.mjs';
import { ROOT, rssMb, startChild } from '../lib/processes.mjs';
import { sleep } from '../lib/ports.mjs';
import { likesSpread } from './2-likes.mjs';
import path from 'node:path';
import { holds, noErrors } from '../lib/verdicts.mjs';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
/** Streams whose every message is recorded (the others count them): enough samples, little reader work. */
const SAMPLED = 20;

export async function streams(ctx) {
  const { services, db, log } = ctx;
  const without = await likesSpread(ctx, { phase: '9-likes-no-streams' });

  const idleRss = await steadyRss(services.main.pid);
  const clients = startChild('stream-clients', path.join(ROOT, 'bench/lib/stream-clients.mjs'), {
    ipc: true,
    env: { STREAM_URL: `${services.mainUrl}/api/products/stream`, STREAM_COUNT: String(STREAMS), STREAM_SAMPLE: String(SAMPLED) },
  });
  try {
    const opened = await reply(clients, 'opened');
    log(
      `${opened.opened} streams open in ${opened.openMs} ms${Object.keys(opened.failures).length ? `; refused: ${JSON.stringify(opened.failures)}` : ''}`,
    );
    const openRss = await steadyRss(services.main.pid);
    const openMetrics = await scrape(services.mainUrl);

    const startedAt = Date.now();
    const withStreams = await likesSpread(ctx, { phase: '9-likes-with-streams' });
    // The last window's messages, then what the readers saw.
    await sleep(2000);
    clients.child.send({ type: 'report' });
    const seen = await reply(clients, 'report');
    const metrics = await scrape(services.mainUrl);

    const [rows] = await db.main.query(
      "SELECT id, product_id AS productId, UNIX_TIMESTAMP(changed_at) * 1000 AS at FROM product_changes WHERE kind = 'likes' AND changed_at >= FROM_UNIXTIME(?) ORDER BY id",
      [Math.floor(startedAt / 1000) - 5],
    );
    const { perLike, perMessage, missing } = delays(seen.samples, rows);
    const like = percentiles(perLike);
    const message = percentiles(perMessage);
    const perStreamKb = opened.opened > 0 ? ((openRss - idleRss) * 1024) / opened.opened : null;
    const ratio = without.rps > 0 ? withStreams.rps / without.rps : null;
    return {
      ...withStreams,
      propagationP50Ms: like.p50Ms,
      propagationP99Ms: like.p99Ms,
      ratio,
      ratioTo: 'like rate without streams',
      // p50/p99 in the table: commit → stream, per like.
      checks: [
        holds(`${STREAMS} streams opened`, opened.opened === STREAMS, `${opened.opened} opened`),
        holds('no stream ended during the load', seen.ended === 0, `${seen.ended} ended`),
        holds('every like seen on every sampled stream', missing === 0, `${missing} missing`),
        noErrors(withStreams),
      ],
      extra: {
        streams: opened.opened,
        refused: opened.failures,
        openMs: opened.openMs,
        likeRateWithoutStreams: without.rps,
        likeRateWithStreams: withStreams.rps,
        likeP99MsWithout: without.p99Ms,
        likeP99MsWith: withStreams.p99Ms,
        commitToStreamPerLikeMs: { p50: like.p50Ms, p99: like.p99Ms, samples: perLike.length },
        commitToStreamPerMessageMs: { p50: message.p50Ms, p99: message.p99Ms, samples: perMessage.length },
        likesNeverSeenOnASampledStream: missing,
        mainRssMb: { idle: round(idleRss), streamsOpen: round(openRss), peakUnderLoad: withStreams.rssMb?.main },
        memoryPerStreamKb: round(perStreamKb, 1),
        streamsOpenPerMain: value(openMetrics, 'catalogue_live_streams_open'),
        streamsEndedDuringLoad: seen.ended,
        messagesReceived: seen.messages,
        messagesSent: value(metrics, 'catalogue_live_messages_sent_total'),
        slowReadersDropped: value(metrics, 'catalogue_live_slow_readers_dropped_total'),
        bufferedBytesAtEnd: value(metrics, 'catalogue_live_stream_buffered_bytes'),
        // main's own view, from its histograms: commit -> written to every stream, and commit -> heard from the feed.
        serverDelayMs: histogramQuantiles(metrics, 'catalogue_live_stream_delay_seconds', 'likes'),
        feedDelayMs: histogramQuantiles(metrics, 'catalogue_product_change_delay_seconds', 'likes'),
      },
    };
  } finally {
    await clients.stop();
  }
}

/**
 * Per like: from its feed row's commit (the database's clock, this machine's) to the arrival of
 * the first message on a sampled stream that carried its product's count past it. Per message:
 * from the commit of the last like it stands for.
 */
function delays(samples, rows) {
  const byProduct = new Map();
  for (const row of rows) {
    const list = byProduct.get(Number(row.productId)) ?? [];
    list.push({ id: Number(row.id), at: Number(row.at) });
    byProduct.set(Number(row.productId), list);
  }
  const perLike = [];
  const perMessage = [];
  let missing = 0;
  for (const { readyId, records } of samples) {
    const delivered = new Map();
    for (const [id, productId, receivedAt] of records) {
      const likes = byProduct.get(productId) ?? [];
      const after = delivered.get(productId) ?? readyId;
      for (const change of likes) {
        if (change.id > after && change.id <= id) perLike.push(receivedAt - change.at);
        if (change.id === id) perMessage.push(receivedAt - change.at);
      }
      delivered.set(productId, id);
    }
    // A like after the stream opened whose count never reached this stream.
    for (const [productId, likes] of byProduct)
      missing += likes.filter((c) => c.id > readyId && c.id > (delivered.get(productId) ?? readyId)).length;
  }
  return { perLike, perMessage, missing };
}

/** Main's resident memory once it stops moving (three readings within 2% over a second or so). */
async function steadyRss(pid) {
  let readings = [];
  for (let i = 0; i < 20; i++) {
    readings = [...readings.slice(-2), rssMb(pid)];
    if (readings.length === 3 && Math.max(...readings) - Math.min(...readings) < Math.max(...readings) * 0.02) break;
    await sleep(500);
  }
  return readings.reduce((a, b) => a + b, 0) / readings.length;
}

function reply(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.type !== type) return;
      child.child.off('exit', onExit);
      child.child.off('message', onMessage);
      resolve(message);
    };
    const onExit = (code) =>
      reject(new Error(`the stream readers exited (${code}) before '${type}'; see bench-results/logs/stream-clients.log`));
    child.child.on('message', onMessage);
    child.child.once('exit', onExit);
  });
}

async function scrape(url) {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

function value(samples, name) {
  return samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
}

/** p50 and p99 from a histogram's buckets (linear within a bucket), in ms: the server's own view. */
function histogramQuantiles(samples, name, kind) {
  const buckets = samples
    .filter((s) => s.name === `${name}_bucket` && s.labels.kind === kind)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  const quantile = (q) => {
    if (total === 0) return null;
    const rank = q * total;
    let lower = 0;
    let below = 0;
    for (const { le, count } of buckets) {
      if (count >= rank)
        return le === Infinity ? lower * 1000 : Math.round((lower + ((le - lower) * (rank - below)) / Math.max(1, count - below)) * 1000);
      lower = le;
      below = count;
    }
    return null;
  };
  return { p50: quantile(0.5), p99: quantile(0.99), count: total };
}

const round = (n, digits = 0) => (n === null || n === undefined ? null : Number(n.toFixed(digits)));
