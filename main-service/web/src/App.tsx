import { useCallback, useEffect, useRef, useState } from 'react';
import { SignInForm, useSession } from '@catalogue/web-kit';
import { Gallery, GALLERY_HEADING_ID } from './Gallery';
import { likeButtonId } from './ProductCard';

export const SESSION_KEY = 'catalogue.storefront.session';

const SESSION_ENDED = 'Your session has ended. Sign in again to like products.';

/** Who opened the sign-in form: the banner's button, or a product's Like (made once signed in). */
type SignInRequest = { from: 'banner' } | { from: 'like'; productId: number };

export function App() {
  const { session, ended, signIn, signOut, endSession, dismissEnded } = useSession(SESSION_KEY, '/api/auth/login');
  const [request, setRequest] = useState<SignInRequest | null>(null);
  const [pendingLike, setPendingLike] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const bannerSignIn = useRef<HTMLButtonElement>(null);
  // A session that ended (expired, or refused by the API) brings the form back, saying so.
  const showForm = !session && (request !== null || ended);

  const announce = useCallback((text: string) => setAnnouncement(text), []);
  const onPendingLikeDone = useCallback(() => setPendingLike(null), []);

  // Where the focus goes when the form closes without signing in: back to what opened it.
  const [returnFocusTo, setReturnFocusTo] = useState<string | null>(null);
  useEffect(() => {
    if (returnFocusTo === null) return;
    setReturnFocusTo(null);
    (document.getElementById(returnFocusTo) ?? bannerSignIn.current)?.focus();
  }, [returnFocusTo]);

  const close = () => {
    setReturnFocusTo(request?.from === 'like' ? likeButtonId(request.productId) : 'banner-sign-in');
    setRequest(null);
    dismissEnded();
  };

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
            !showForm && (
              <button
                type="button"
                id="banner-sign-in"
                ref={bannerSignIn}
                className="primary"
                onClick={() => setRequest({ from: 'banner' })}
              >
                Sign in
              </button>
            )
          )}
        </nav>
      </header>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <main id="content">
        {showForm && (
          <SignInForm
            title="Sign in to like products"
            notice={ended ? SESSION_ENDED : null}
            onSignIn={async (email, password) => {
              const signedIn = await signIn(email, password);
              announce(`Sign-in succeeded for ${signedIn.user.email}.`);
              if (request?.from === 'like') setPendingLike(request.productId);
              else setReturnFocusTo(GALLERY_HEADING_ID);
              setRequest(null);
            }}
            onCancel={close}
          />
        )}
        <Gallery
          session={session}
          onSessionEnded={endSession}
          onWantsSignIn={(productId) => setRequest({ from: 'like', productId })}
          pendingLike={pendingLike}
          onPendingLikeDone={onPendingLikeDone}
          announce={announce}
        />
      </main>
    </>
  );
}
