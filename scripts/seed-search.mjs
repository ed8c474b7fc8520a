// Fills a migrated schema with products for search benchmarks: 10,000 by default, in multi-row
// INSERTs (about a second). Titles come from a seeded generator, so every run with the same
// --seed gives the same catalogue and the same hit counts. Bypasses the services and their events:
// seed each schema you benchmark (main's copy is not fed from admin's here).
//
//   node scripts/seed-search.mjs --schema main  --database catalogue_main  [--count 10000] [--seed 1]
//   node scripts/seed-search.mjs --schema admin --database catalogue_admin [--host --port --user --password]
//
// It prints JSON: how many rows it added and, for a few probe searches, how many live products match.
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
// The services' own word handling (npm run build first), so the probe counts are what a search answers.
import { containsPattern, searchTerms } from '../packages/shared/dist/db/fulltext.js';

const { values: args } = parseArgs({
  options: {
    schema: { type: 'string' },
    database: { type: 'string' },
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    host: { type: 'string', default: process.env.MIGRATION_DB_HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.MIGRATION_DB_PORT ?? '3306' },
    user: { type: 'string', default: process.env.MIGRATION_DB_USER ?? 'root' },
    password: { type: 'string', default: process.env.MIGRATION_DB_PASSWORD ?? '' },
  },
});
if (!['main', 'admin'].includes(args.schema ?? '') || !args.database) {
  console.error('usage: node scripts/seed-search.mjs --schema main|admin --database NAME [--count 10000] [--seed 1]');
  process.exit(2);
}
const count = Number(args.count);
if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
  console.error('--count must be a whole number from 1 to 1000000');
  process.exit(2);
}

const ADJECTIVES = [
  'red',
  'blue',
  'green',
  'Oak',
  'walnut',
  'linen',
  'Café',
  'crème',
  'vintage',
  'modern',
  'rustic',
  'brass',
  'Ölkanne',
  'naïve',
  'large',
  'small',
  'XL',
  'TV',
  '4k',
  'smart',
];
const NOUNS = [
  'lamp',
  'chair',
  'table',
  'desk',
  'shelf',
  'mug',
  'poster',
  'rug',
  'clock',
  'mirror',
  'vase',
  'bench',
  'sofa',
  'stand',
  'cushion',
  'frame',
  'bowl',
  'tray',
  'lampshade',
  'kettle',
];
const EXTRAS = ['set', 'edition', 'for the hall', 'with drawer', 'and stool', 'pro', 'mini', '2024', 'classic', 'deluxe'];
const PROBES = ['lamp', 'oak table', 'cafe creme', 'tv stand', 'walnut desk lamp', 'vintage', 'brass clock set', 'xl'];

/** mulberry32: a tiny seeded generator, so a benchmark's data is reproducible. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(Number(args.seed));
const pick = (list) => list[Math.floor(rnd() * list.length)];
function title(n) {
  const words = [pick(ADJECTIVES), pick(NOUNS)];
  if (rnd() < 0.5) words.unshift(pick(ADJECTIVES));
  if (rnd() < 0.4) words.push(pick(EXTRAS));
  return `${words.join(' ')} #${n}`;
}
// Likes skewed toward zero (most products are never liked), as in a real catalogue.
const likes = () => (rnd() < 0.4 ? 0 : Math.floor(1 / (rnd() + 0.01)));

const conn = await mysql.createConnection({
  host: args.host,
  port: Number(args.port),
  user: args.user,
  password: args.password,
  database: args.database,
  charset: 'utf8mb4_unicode_ci',
  timezone: 'Z',
});
try {
  const started = Date.now();
  const [[{ maxId }]] = await conn.query('SELECT COALESCE(MAX(id), 0) AS maxId FROM products');
  const BATCH = 1000;
  const yearMs = 365 * 86_400_000;
  for (let done = 0; done < count; done += BATCH) {
    const rows = [];
    for (let i = done; i < Math.min(count, done + BATCH); i++) {
      const id = Number(maxId) + i + 1;
      const row = [id, title(id), `https://img.example.com/seed/${id}.png`, likes(), 1];
      if (args.schema === 'admin') row.push(new Date(Date.now() - Math.floor(rnd() * yearMs)));
      rows.push(row);
    }
    const columns = args.schema === 'admin' ? '(id, title, image, likes, version, created_at)' : '(id, title, image, likes, version)';
    await conn.query(`INSERT INTO products ${columns} VALUES ?`, [rows]);
  }
  await conn.query('ANALYZE TABLE products');
  const probes = {};
  for (const q of PROBES) {
    const { fulltext, substrings } = searchTerms(q);
    const [[{ n }]] = await conn.query(
      `SELECT COUNT(*) AS n FROM products WHERE deleted_at IS NULL${fulltext ? ' AND MATCH(title) AGAINST(? IN BOOLEAN MODE)' : ''}${substrings.map(() => ' AND title LIKE ?').join('')}`,
      [...(fulltext ? [fulltext] : []), ...substrings.map(containsPattern)],
    );
    probes[q] = Number(n);
  }
  console.log(
    JSON.stringify({
      schema: args.schema,
      database: args.database,
      added: count,
      firstId: Number(maxId) + 1,
      seconds: (Date.now() - started) / 1000,
      probes,
    }),
  );
} finally {
  await conn.end();
}
