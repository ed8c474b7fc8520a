import { useEffect, useState } from 'react';
import { messageOf } from '@catalogue/web-kit';
import { useApi } from '../api';
import { apiPageUrl, Pager, useAddressPaging } from './addressPaging';

interface User {
  id: number;
  email: string;
  name: string;
  role?: string;
}

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; users: User[]; next?: string };

/** The API's own default page size, which its Link headers carry on. */
const PAGE_SIZE = 50;

export function UsersPage() {
  const call = useApi();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const paging = useAddressPaging(load.state === 'loading');
  const [attempt, setAttempt] = useState(0);
  const pageUrl = apiPageUrl('/api/users', paging.params, PAGE_SIZE);

  useEffect(() => {
    const abort = new AbortController();
    setLoad({ state: 'loading' });
    call<User[]>(pageUrl, { signal: abort.signal }).then(
      ({ data, next }) => {
        if (!abort.signal.aborted) setLoad({ state: 'ready', users: data, ...(next ? { next } : {}) });
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => abort.abort();
  }, [call, pageUrl, attempt]);

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <h3 className="list-title" id="users-list-title" ref={paging.landing} tabIndex={-1}>
        In id order
        {paging.pageNumber !== undefined && <>, page {paging.pageNumber}</>}
      </h3>
      {load.state === 'loading' && <p className="hint">Loading users…</p>}
      {load.state === 'failed' && (
        <div className="error" role="alert">
          <p>We could not load the users. {load.message}</p>
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {load.state === 'ready' && load.users.length === 0 && (
        <p className="notice">No users yet. `npm run setup` seeds the development users.</p>
      )}
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
      <Pager paging={paging} next={load.state === 'ready' ? load.next : undefined} />
    </section>
  );
}
