import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '@catalogue/web-kit';
import { useApi } from '../api';

type QueueName = 'main' | 'admin';

interface DeadLetter {
  id: string | null;
  type: string | null;
  originQueue: string;
  reason: string;
  deaths: number;
}

interface DeadLetterQueue {
  queue: QueueName;
  name: string;
  messages: DeadLetter[];
}

interface ReplayResult {
  queue: QueueName;
  replayed: (string | null)[];
  failed: { id: string | null; error: string }[];
  notFound: string[];
}

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; queues: DeadLetterQueue[] };
type Outcome = { kind: 'ok' | 'error'; text: string } | undefined;

/**
 * Dead letters with their reasons, and replay (one message or a whole queue). The list reloads
 * with every report (`checkedAt`); `onReplayed` reloads the report, so its counts follow a replay.
 */
export function DeadLetters({ checkedAt, onReplayed }: { checkedAt: string; onReplayed: () => Promise<void> }) {
  const call = useApi();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  const refresh = useCallback(async () => {
    try {
      const { data } = await call<{ queues: DeadLetterQueue[] }>('/api/operations/dead-letters');
      setLoad({ state: 'ready', queues: data.queues });
    } catch (err) {
      setLoad({ state: 'failed', message: messageOf(err) });
    }
  }, [call]);

  useEffect(() => {
    void refresh();
  }, [refresh, checkedAt]);

  const replay = async (body: { queue: QueueName; ids: string[] } | { queue: QueueName; all: true }) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const { data } = await call<ReplayResult>('/api/operations/dead-letters/replay', { method: 'POST', body });
      setOutcome(describe(data));
    } catch (err) {
      setOutcome({ kind: 'error', text: `Replay failed. ${messageOf(err)}` });
    } finally {
      await onReplayed();
      setBusy(false);
    }
  };

  return (
    <div className="dead-letters">
      {load.state === 'loading' && <p className="hint">Reading the dead-letter queues…</p>}
      {load.state === 'failed' && (
        <p className="error" role="alert" id="replay-unavailable">
          {load.message}
        </p>
      )}
      {load.state === 'ready' &&
        load.queues.map((q) => (
          <div key={q.queue} className="dead-letter-queue" data-queue={q.queue}>
            <div className="page-head">
              <h4>
                {q.name} ({q.messages.length})
              </h4>
              <button type="button" disabled={busy || q.messages.length === 0} onClick={() => void replay({ queue: q.queue, all: true })}>
                Replay all in {q.name}
              </button>
            </div>
            {q.messages.length === 0 ? (
              <p className="hint">Nothing dead-lettered.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Message</th>
                    <th scope="col">Type</th>
                    <th scope="col">From queue</th>
                    <th scope="col">Reason</th>
                    <th scope="col">
                      <span className="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {q.messages.map((m, index) => (
                    <tr key={m.id ?? `no-id-${index}`} data-message-id={m.id ?? ''}>
                      <th scope="row">{m.id ?? '(no id)'}</th>
                      <td>{m.type ?? '—'}</td>
                      <td>{m.originQueue}</td>
                      <td>{m.reason}</td>
                      <td>
                        {/* A message without an id cannot be named for replay alone; "Replay all" still moves it. */}
                        <button
                          type="button"
                          disabled={busy || m.id === null}
                          aria-label={`Replay ${m.id ?? 'message without an id'}`}
                          onClick={() => m.id && void replay({ queue: q.queue, ids: [m.id] })}
                        >
                          Replay
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ))}
      <p className={outcome?.kind === 'error' ? 'error' : 'hint'} role="status" aria-live="polite">
        {outcome?.text ?? ''}
      </p>
    </div>
  );
}

function describe(result: ReplayResult): { kind: 'ok' | 'error'; text: string } {
  const parts = [`Replayed ${result.replayed.length} message${result.replayed.length === 1 ? '' : 's'}.`];
  for (const f of result.failed) parts.push(`${f.id ?? '(no id)'} failed and stays in the queue: ${f.error}.`);
  if (result.notFound.length > 0) parts.push(`Not found (already replayed?): ${result.notFound.join(', ')}.`);
  return { kind: result.failed.length > 0 || result.notFound.length > 0 ? 'error' : 'ok', text: parts.join(' ') };
}
