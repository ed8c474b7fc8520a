/** Which secret a read was for: fixed labels, never a secret id or value. */
export type SecretKind = 'database' | 'signing_key';
/** What changed under a running process: a secret's value, or the key set main fetched from admin. */
export type CredentialKind = SecretKind | 'jwks';
export type ReadOutcome = 'ok' | 'error';

export const SECRET_KINDS: readonly SecretKind[] = ['database', 'signing_key'];
export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['database', 'signing_key', 'jwks'];
export const READ_OUTCOMES: readonly ReadOutcome[] = ['ok', 'error'];

/**
 * What the process saw of its credentials: secret reads by outcome, values that changed, database
 * logins refused, JWKS fetches. Counted where it happens (secret sources open before any metrics
 * registry exists) and exposed by every ServiceMetrics at scrape time.
 */
export class CredentialEvents {
  private readonly reads = new Map<string, number>();
  private readonly changes = new Map<CredentialKind, number>();
  private readonly fetches = new Map<ReadOutcome, number>();
  private authFailures = 0;

  secretRead(secret: SecretKind, outcome: ReadOutcome): void {
    const key = `${secret}:${outcome}`;
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
  }

  changed(credential: CredentialKind): void {
    this.changes.set(credential, (this.changes.get(credential) ?? 0) + 1);
  }

  databaseAuthFailed(): void {
    this.authFailures++;
  }

  jwksFetched(outcome: ReadOutcome): void {
    this.fetches.set(outcome, (this.fetches.get(outcome) ?? 0) + 1);
  }

  secretReads(secret: SecretKind, outcome: ReadOutcome): number {
    return this.reads.get(`${secret}:${outcome}`) ?? 0;
  }

  changesOf(credential: CredentialKind): number {
    return this.changes.get(credential) ?? 0;
  }

  databaseAuthFailures(): number {
    return this.authFailures;
  }

  jwksFetches(outcome: ReadOutcome): number {
    return this.fetches.get(outcome) ?? 0;
  }
}

/** The process's one record (like `transactionErrors`): every ServiceMetrics in the process reads it. */
export const credentialEvents = new CredentialEvents();
