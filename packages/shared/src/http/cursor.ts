import { createHash } from 'node:crypto';

/** Where a page ends in its sort order: the row's sort value and its id (the tie-breaker). */
export interface Position {
  value: string | number;
  id: number;
}

/** What a cursor holds: the sort it was made for, the query it belongs to, and the position. */
export interface CursorContent {
  sort: string;
  fingerprint: string;
  position: Position;
}

// Room for a 200-character title of 4-byte characters, base64url-encoded.
const MAX_CURSOR_LENGTH = 2048;
const CHECK_BYTES = 9;

/**
 * An opaque `cursor` for the next page: base64url JSON plus a check over it. The check is not a
 * signature (there is no secret to rotate): it turns an edited or truncated cursor into a 400.
 * A forged cursor can only pick a starting point in public data; its values are still validated.
 */
export function encodeCursor(content: CursorContent): string {
  return sealCursor(JSON.stringify({ s: content.sort, f: content.fingerprint, k: [content.position.value, content.position.id] }));
}

/** Any JSON text as a cursor with a valid check (encodeCursor's last step; tests use it to forge cursors). */
export function sealCursor(json: string): string {
  const body = Buffer.from(json).toString('base64url');
  return `${body}.${check(body)}`;
}

/** The cursor's content, or undefined when it is malformed or fails its check. */
export function decodeCursor(raw: string): CursorContent | undefined {
  if (raw.length > MAX_CURSOR_LENGTH) return undefined;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(raw);
  if (!match || check(match[1]!) !== match[2]) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { s, f, k } = parsed as Record<string, unknown>;
  if (typeof s !== 'string' || typeof f !== 'string' || !Array.isArray(k) || k.length !== 2) return undefined;
  const [value, id] = k as unknown[];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof id !== 'number') return undefined;
  return { sort: s, fingerprint: f, position: { value, id } };
}

function check(body: string): string {
  return createHash('sha256').update('catalogue-cursor-v1:').update(body).digest().subarray(0, CHECK_BYTES).toString('base64url');
}

/** A short, stable digest of the query a cursor belongs to, so it cannot be replayed against another. */
export function queryFingerprint(parts: readonly (readonly [string, string])[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest().subarray(0, 6).toString('base64url');
}
