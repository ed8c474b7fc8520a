import fc from 'fast-check';

/** Values attackers and broken clients send: injection payloads, odd unicode, extremes, wrong types. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "'; DROP TABLE products; --",
    '1 OR 1=1',
    '<script>alert(1)</script>',
    'javascript:alert(1)',
    '${7*7}{{7*7}}',
    '../../etc/passwd',
    '\u0000',
    '\uFFFF\uD800',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧‍👦',
    'é'.repeat(201),
    'x'.repeat(2049),
    ' ',
    '',
  ),
  fc.string({ maxLength: 300, unit: 'grapheme' }),
  fc.string({ maxLength: 50, unit: 'binary' }),
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, Number.MAX_VALUE, -0, 1e308, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

/** Keys that probe prototype pollution and mass assignment. */
export const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'likes', 'id', 'role', 'version', 'userId'),
  fc.string({ minLength: 1, maxLength: 20 }),
);

/** Path segments for ids: valid ids, boundaries and garbage (URL-encoded by the caller). */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 50 }).map(String),
  fc.constantFrom(
    '0',
    '-1',
    '2147483647',
    '2147483648',
    '99999999999999999999',
    '1e3',
    '0x10',
    '1.5',
    ' 1',
    "1' OR '1'='1",
    '%00',
    '..',
    '__proto__',
    'NaN',
  ),
  fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }),
);

/**
 * A JSON body as raw text, built around a valid object: sometimes valid, sometimes with a field
 * flipped to a hostile value, a field missing, an extra (possibly prototype) key, or not an object.
 * Built as text so `__proto__` arrives as a real key, as it would from an attacker.
 */
export function jsonBodyAround(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc.oneof(
    valid.map((v) => JSON.stringify(v)),
    fc.tuple(valid, fc.nat(), hostileValue).map(([v, i, bad]) => {
      const keys = Object.keys(v);
      return JSON.stringify({ ...v, [keys[i % keys.length]!]: bad });
    }),
    fc.tuple(valid, fc.nat()).map(([v, i]) => {
      const keys = Object.keys(v);
      const copy = { ...v };
      delete copy[keys[i % keys.length]!];
      return JSON.stringify(copy);
    }),
    fc
      .tuple(valid, hostileKey, hostileValue)
      .map(([v, key, bad]) => `${JSON.stringify(v).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(bad) ?? 'null'}}`),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('{', '{"title": }', '[]', 'null', '"text"', '{"a":1}{"b":2}'),
  );
}

/** Whether the services' JSON parser (strict: objects and arrays only) accepts the text, and what it yields. */
export function parsedBody(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}
