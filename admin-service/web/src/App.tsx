import { useEffect, useMemo, useState } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { SignInForm, useSession } from '@catalogue/web-kit';
import { ApiContext, authorisedCall } from './api';
import { FlashContext } from './flash';
import { OperationsPage } from './pages/OperationsPage';
import { ProductFormPage } from './pages/ProductFormPage';
import { ProductsPage } from './pages/ProductsPage';
import { UsersPage } from './pages/UsersPage';

export const SESSION_KEY = 'catalogue.console.session';

export function App() {
  const { session, ended, signIn, signOut, endSession } = useSession(SESSION_KEY, '/api/auth/login');
  // A refused token ends the session and brings back the sign-in form, saying why.
  const call = useMemo(() => (session ? authorisedCall(session.token, endSession) : null), [session, endSession]);
  const [flashMessage, showFlash] = useState<string | null>(null);
  const flash = useMemo(() => ({ message: flashMessage, show: showFlash }), [flashMessage]);

  // The sign-in form held the focus and is gone: the page it opens onto takes it, at its heading.
  const [signedInHere, setSignedInHere] = useState(false);
  useEffect(() => {
    if (!signedInHere || !session) return;
    setSignedInHere(false);
    const heading = document.querySelector<HTMLElement>('#content h2');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [signedInHere, session]);

  return (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="bar">
        <h1>Catalogue admin</h1>
        {session && (
          <nav aria-label="Console">
            {session.user.role === 'staff' && (
              <>
                <NavLink to="/products">Products</NavLink>
                <NavLink to="/users">Users</NavLink>
                <NavLink to="/operations">Operations</NavLink>
              </>
            )}
            <span className="hint">{session.user.email}</span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="content">
        {!session && (
          <SignInForm
            title="Staff sign-in"
            onSignIn={async (email, password) => {
              await signIn(email, password);
              setSignedInHere(true);
            }}
            notice={ended ? 'Your session has ended. Sign in again to go on where you were.' : null}
          />
        )}
        {session && session.user.role !== 'staff' && (
          <div className="error" role="alert">
            <p>{session.user.email} is a customer account. The console is for staff: sign out and sign in with a staff account.</p>
          </div>
        )}
        {session && session.user.role === 'staff' && call && (
          <ApiContext.Provider value={call}>
            <FlashContext.Provider value={flash}>
              <Routes>
                <Route path="/" element={<Navigate to="/products" replace />} />
                <Route path="/products" element={<ProductsPage />} />
                <Route path="/products/new" element={<ProductFormPage />} />
                <Route path="/products/:id/edit" element={<ProductFormPage />} />
                <Route path="/users" element={<UsersPage />} />
                <Route path="/operations" element={<OperationsPage />} />
                <Route path="*" element={<p className="notice">There is no page here. Pick one from the menu.</p>} />
              </Routes>
            </FlashContext.Provider>
          </ApiContext.Provider>
        )}
      </main>
    </>
  );
}
