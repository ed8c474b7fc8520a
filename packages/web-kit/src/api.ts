/** A field the API named as wrong, with its reason: shown next to that field. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/**
 * What went wrong with a call, in words a person can act on. `status` 0 means the server was not
 * reached at all (offline, DNS, refused connection).
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The API's reasons keyed by field name, for forms. */
  fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const d of this.details) {
      for (const field of d.field.split(',').map((f) => f.trim())) byField[field] ??= d.reason;
    }
    return byField;
  }
}

export interface ApiAnswer<T> {
  data: T;
  /** The next page's URL from the RFC 8288 Link header, followed as given (the cursor is opaque). */
  next?: string;
  headers: Headers;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
}

const UNREACHABLE = 'The server could not be reached. Check your connection, then try again.';

/** Calls a JSON API on this page's origin and turns every failure into an ApiError. */
export async function callApi<T>(path: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', UNREACHABLE);
  }
  const body = response.status === 204 ? undefined : await readJson(response, options.signal);
  if (!response.ok) throw errorFrom(response.status, body);
  // A success whose body is not JSON (a proxy's page, a cut-off answer) is no data to show.
  if (response.status !== 204 && body === undefined)
    throw new ApiError(response.status, 'unexpected', 'The server sent an answer this page cannot read. Try again in a moment.');
  const next = nextLink(response.headers.get('link'));
  return next ? { data: body as T, next, headers: response.headers } : { data: body as T, headers: response.headers };
}

/**
 * The body as JSON, or undefined when it is not JSON. A call given up while its body was still
 * arriving throws its AbortError: it must never pass for an answer without a body (a page would
 * then show an old request's empty answer over a newer one's).
 */
async function readJson(response: Response, signal: AbortSignal | undefined): Promise<unknown> {
  try {
    return await response.json();
  } catch (err) {
    if (signal?.aborted || (err instanceof DOMException && err.name === 'AbortError')) throw err;
    return undefined;
  }
}

function errorFrom(status: number, body: unknown): ApiError {
  const shaped = body as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (shaped && typeof shaped.code === 'string' && typeof shaped.message === 'string') {
    const details = Array.isArray(shaped.details) ? (shaped.details as FieldProblem[]).filter((d) => typeof d?.field === 'string') : [];
    return new ApiError(status, shaped.code, sentence(shaped.message), details);
  }
  // A proxy or a crashed process answered, not our API: say so without guessing.
  if (status === 502 || status === 503 || status === 504)
    return new ApiError(status, 'unavailable', 'The service is unavailable right now. Try again in a moment.');
  return new ApiError(status, 'unexpected', `The server answered with an unexpected error (${status}). Try again in a moment.`);
}

function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return 'Something went wrong.';
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

/** A message for anything a call may throw. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong in this page. Reload it and try again.';
}
