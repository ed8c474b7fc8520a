import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '@catalogue/web-kit';
import { useApi } from '../api';
import { DeadLetters } from './DeadLetters';

interface ServiceHealth {
  service: string;
  status: 'ok' | 'unavailable' | 'unreachable';
  checks?: Record<string, string>;
}

interface OutboxBacklog {
  service: string;
  pending: number | null;
  oldestAt: string | null;
  note?: string;
}

interface DeadLetterQueue {
  service: string;
  queue: string;
  messages: number | null;
  note?: string;
}

export interface OperationsReport {
  checkedAt: string;
  services: ServiceHealth[];
  outbox: OutboxBacklog[];
  deadLetters: DeadLetterQueue[];
  replay: { available: boolean; note: string };
}

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; report: OperationsReport };

export function OperationsPage() {
  const call = useApi();
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const { data } = await call<OperationsReport>('/api/operations');
      setLoad({ state: 'ready', report: data });
    } catch (err) {
      setLoad({ state: 'failed', message: messageOf(err) });
    }
  }, [call]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <section aria-labelledby="ops-title">
      <div className="page-head">
        <h2 id="ops-title">Operations</h2>
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {load.state === 'loading' && <p className="hint">Checking the services…</p>}
      {load.state === 'failed' && (
        <p className="error" role="alert">
          We could not read the operations report. {load.message}
        </p>
      )}
      {load.state === 'ready' && <Report report={load.report} onReplayed={refresh} />}
    </section>
  );
}

function Report({ report, onReplayed }: { report: OperationsReport; onReplayed: () => Promise<void> }) {
  return (
    <div className="ops-grid">
      <div className="card">
        <h3>Health</h3>
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Status</th>
              <th scope="col">Checks</th>
            </tr>
          </thead>
          <tbody>
            {report.services.map((s) => (
              <tr key={s.service} data-service={s.service}>
                <th scope="row">{s.service}</th>
                <td className={s.status === 'ok' ? 'status-ok' : 'status-bad'}>{s.status}</td>
                <td>
                  {s.checks
                    ? Object.entries(s.checks)
                        .map(([name, state]) => `${name} ${state}`)
                        .join(', ')
                    : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h3>Outbox backlog</h3>
        <p className="hint">Events committed but not yet confirmed by the broker. They drain by themselves when the broker is reachable.</p>
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col" className="num">
                Waiting
              </th>
              <th scope="col">Oldest</th>
            </tr>
          </thead>
          <tbody>
            {report.outbox.map((o) => (
              <tr key={o.service}>
                <th scope="row">{o.service}</th>
                <td className="num">{o.pending ?? '—'}</td>
                <td>{o.note ?? (o.oldestAt ? new Date(o.oldestAt).toLocaleString() : 'none')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h3>Dead-lettered messages</h3>
        <p className="hint">Messages that failed validation or kept failing; they wait here for a person.</p>
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col" className="num">
                Messages
              </th>
            </tr>
          </thead>
          <tbody>
            {report.deadLetters.map((d) => (
              <tr key={d.queue}>
                <th scope="row">{d.queue}</th>
                <td className="num">{d.messages ?? d.note ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="replay">
          <p className="hint" id="replay-note">
            {report.replay.note}
          </p>
          <DeadLetters checkedAt={report.checkedAt} onReplayed={onReplayed} />
        </div>
      </div>
      <p className="hint">Checked {new Date(report.checkedAt).toLocaleString()}.</p>
    </div>
  );
}
