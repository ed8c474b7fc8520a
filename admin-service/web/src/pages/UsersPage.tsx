import { useEffect, useState } from 'react';
import { messageOf } from '@catalogue/web-kit';
import { useApi } from '../api';

interface User {
  id: number;
  email: string;
  name: string;
  role?: string;
}

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; users: User[]; next?: string };

export function UsersPage() {
  const call = useApi();
  const [trail, setTrail] = useState<string[]>(['/api/users?limit=50']);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const pageUrl = trail[trail.length - 1]!;

  useEffect(() => {
    const abort = new AbortController();
    setLoad({ state: 'loading' });
    call<User[]>(pageUrl, { signal: abort.signal }).then(
      ({ data, next }) => setLoad({ state: 'ready', users: data, ...(next ? { next } : {}) }),
      (err: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => abort.abort();
  }, [call, pageUrl, attempt]);

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {load.state === 'loading' && <p className="hint">Loading users…</p>}
      {load.state === 'failed' && (
        <div className="error" role="alert">
          <p>We could not load the users. {load.message}</p>
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {load.state === 'ready' && load.users.length === 0 && <p className="notice">No users yet. `npm run setup` seeds the development users.</p>}
      {load.state === 'ready' && load.users.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">
                  Id
                </th>
              </tr>
            </thead>
            <tbody>
              {load.users.map((user) => (
                <tr key={user.id}>
                  <th scope="row">{user.email}</th>
                  <td>{user.name}</td>
                  <td>{user.role ?? '—'}</td>
                  <td className="num">{user.id}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={trail.length <= 1} onClick={() => setTrail((t) => t.slice(0, -1))}>
          ← Previous
        </button>
        <span>Page {trail.length}</span>
        <button type="button" disabled={!(load.state === 'ready' && load.next)} onClick={() => load.state === 'ready' && load.next && setTrail((t) => [...t, load.next!])}>
          Next →
        </button>
      </nav>
    </section>
  );
}
