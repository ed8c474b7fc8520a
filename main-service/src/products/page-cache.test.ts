import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PageCache } from './page-cache';

/** A rendered page about as big as 500 products make it. */
const bigPage = (n: number) => ({
  json: `[${'{"id":1,"title":"A product title of some length","image":"https://img.example/p.png","likes":0},'.repeat(500)}${n}]`,
});
const sizeOf = (page: { json: string }) => page.json.length;

describe('PageCache: what searches with random words can make it hold', () => {
  test('a flood of distinct 500-product pages never holds more than its byte budget; the newest pages stay', async () => {
    const maxBytes = 1_000_000;
    const cache = new PageCache<{ json: string }>({ ttlMs: 60_000, maxBytes, sizeOf });
    let peak = 0;
    for (let n = 0; n < 1000; n++) {
      await cache.get(`q=random-${n}`, async () => bigPage(n));
      peak = Math.max(peak, cache.stats.bytes);
    }
    assert.ok(peak <= maxBytes, `peak ${peak} bytes within ${maxBytes}`);
    assert.ok(cache.stats.entries >= 10 && cache.stats.entries < 1000, `${cache.stats.entries} pages held`);
    let reloaded = false;
    await cache.get('q=random-999', async () => {
      reloaded = true;
      return bigPage(999);
    });
    assert.equal(reloaded, false, 'the newest page is still served from memory');
    await cache.get('q=random-0', async () => {
      reloaded = true;
      return bigPage(0);
    });
    assert.equal(reloaded, true, 'the oldest page was evicted');
  });

  test('expired pages are dropped as time passes, without waiting for the cache to fill', async () => {
    let now = 1_000;
    const cache = new PageCache<{ json: string }>({ ttlMs: 200, sizeOf, now: () => now });
    for (let n = 0; n < 20; n++) await cache.get(`page-${n}`, async () => ({ json: 'x'.repeat(100) }));
    assert.equal(cache.stats.entries, 20);
    now += 201;
    await cache.get('page-new', async () => ({ json: 'y' }));
    assert.deepEqual(cache.stats, { entries: 1, bytes: 'page-new'.length + 1 }, 'only the fresh page is held');
  });

  test('a page larger than the whole budget is served but not kept', async () => {
    const cache = new PageCache<{ json: string }>({ ttlMs: 60_000, maxBytes: 100_000, sizeOf });
    const page = await cache.get('huge', async () => ({ json: 'z'.repeat(200_000) }));
    assert.equal(page.json.length, 200_000);
    assert.deepEqual(cache.stats, { entries: 0, bytes: 0 });
  });

  test('concurrent misses share one load, a failed load is not kept, and clear() empties it', async () => {
    const cache = new PageCache<{ json: string }>({ ttlMs: 60_000, sizeOf });
    let loads = 0;
    const load = async () => {
      loads++;
      return { json: 'p' };
    };
    await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
    assert.equal(loads, 1);
    await assert.rejects(cache.get('bad', async () => Promise.reject(new Error('database down'))));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(cache.stats.entries, 1);
    cache.clear();
    assert.deepEqual(cache.stats, { entries: 0, bytes: 0 });
  });
});
