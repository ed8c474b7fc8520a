import assert from 'node:assert/strict';

/** What must never reach a client in an error body: stacks, SQL, file paths, library names and versions. */
const LEAKS = [
  /\bat .+:\d+:\d+/, // a stack frame
  /node_modules|\/work\/|\/home\/|\/usr\/|[A-Z]:\\\\/, // file paths
  /\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b/i, // SQL
  /\bER_[A-Z_]+|sqlState|errno|mysql|mariadb|typeorm|amqplib|express|nestjs|zod/i, // driver and library names
  /\bv?\d+\.\d+\.\d+\b/, // versions
];

/** Asserts an error body has the shared shape and leaks nothing about the implementation. */
export function assertSafeErrorBody(status: number, body: unknown, context = ''): void {
  assert.ok(body && typeof body === 'object', `${context}: an error body is a JSON object (status ${status})`);
  const keys = Object.keys(body as object);
  assert.ok(
    keys.every((k) => ['code', 'message', 'details'].includes(k)),
    `${context}: only code, message, details (got ${keys.join(', ')})`,
  );
  const text = JSON.stringify(body);
  for (const leak of LEAKS) assert.doesNotMatch(text, leak, `${context}: error body leaks ${leak}`);
}
