import { useState } from 'react';
import { SignInForm, useSession } from '@catalogue/web-kit';
import { Gallery } from './Gallery';

export const SESSION_KEY = 'catalogue.storefront.session';

export function App() {
  const { session, signIn, signOut } = useSession(SESSION_KEY, '/api/auth/login');
  const [signingIn, setSigningIn] = useState(false);

  return (
    <>
      <a className="skip-link" href="#content">
        Skip to products
      </a>
      <header className="bar">
        <h1>Catalogue</h1>
        <nav aria-label="Account">
          {session ? (
            <>
              <span className="hint">
                Signed in as <strong>{session.user.email}</strong>
              </span>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : (
            !signingIn && (
              <button type="button" className="primary" onClick={() => setSigningIn(true)}>
                Sign in
              </button>
            )
          )}
        </nav>
      </header>
      <main id="content">
        {!session && signingIn && (
          <SignInForm
            title="Sign in to like products"
            onSignIn={async (email, password) => {
              await signIn(email, password);
              setSigningIn(false);
            }}
            onCancel={() => setSigningIn(false)}
          />
        )}
        <Gallery session={session} onSessionExpired={signOut} onWantsSignIn={() => setSigningIn(true)} />
      </main>
    </>
  );
}
