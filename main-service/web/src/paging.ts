import { useCallback, useEffect, useState } from 'react';

interface PageState {
  /** How many pages deep this history entry is; 0 on the first page. */
  depth: number;
}

/**
 * The page being shown lives in the address bar (the API's own Link query, mirrored), so a reload
 * or a shared link shows the same page and the browser's Back button goes to the previous one.
 */
export function usePaging() {
  const [query, setQuery] = useState(() => window.location.search);
  const depth = (window.history.state as PageState | null)?.depth ?? (query ? 1 : 0);

  useEffect(() => {
    const onPop = () => setQuery(window.location.search);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const goTo = useCallback(
    (apiUrl: string) => {
      const search = new URL(apiUrl, window.location.origin).search;
      window.history.pushState({ depth: depth + 1 } satisfies PageState, '', `${window.location.pathname}${search}`);
      setQuery(search);
      window.scrollTo({ top: 0 });
    },
    [depth],
  );

  const goBack = useCallback(() => {
    if ((window.history.state as PageState | null)?.depth) {
      window.history.back();
    } else {
      window.history.pushState({ depth: 0 } satisfies PageState, '', window.location.pathname);
      setQuery('');
    }
  }, []);

  return { query, pageNumber: depth + 1, goTo, goBack };
}
