import { useCallback, useEffect, useState } from 'react';

/** What a history entry of the storefront remembers about its page. */
interface PageState {
  /** How many pages after the first this page is, when known (0 on the first page). */
  depth: number | null;
  /** The history entry before this one is the previous page (it was left with Next). */
  afterPrevious: boolean;
}

const stateOf = (state: unknown): PageState => {
  const page = state as Partial<PageState> | null;
  return { depth: typeof page?.depth === 'number' ? page.depth : null, afterPrevious: page?.afterPrevious === true };
};

/**
 * The page being shown lives in the address bar (the API's own Link query, mirrored), so a reload
 * or a shared link shows the same page and the browser's Back button goes to the previous one.
 * The cursor does not say how deep it is: the page number is known only for pages reached in this
 * tab with Next from a page whose number was known (the history entries remember it); a shared or
 * bookmarked later page has none, and its Previous goes to the first page. `moves` counts the page
 * changes asked for here (Next, Previous, Back), so the page can move the focus once it shows.
 */
export function usePaging() {
  const [location, setLocation] = useState(() => ({ query: window.location.search, page: stateOf(window.history.state), moves: 0 }));
  const { query, page } = location;
  const depth = query ? page.depth : 0;

  useEffect(() => {
    const onPop = () =>
      setLocation((current) => ({ query: window.location.search, page: stateOf(window.history.state), moves: current.moves + 1 }));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const move = useCallback((search: string, next: PageState) => {
    window.history.pushState(next, '', `${window.location.pathname}${search}`);
    setLocation((current) => ({ query: search, page: next, moves: current.moves + 1 }));
    window.scrollTo({ top: 0 });
  }, []);

  const goTo = useCallback(
    (apiUrl: string) =>
      move(new URL(apiUrl, window.location.origin).search, { depth: depth === null ? null : depth + 1, afterPrevious: true }),
    [depth, move],
  );

  const goBack = useCallback(() => {
    if (stateOf(window.history.state).afterPrevious) {
      window.history.back();
      window.scrollTo({ top: 0 });
    } else {
      move('', { depth: 0, afterPrevious: false });
    }
  }, [move]);

  return {
    query,
    /** 1 on the first page; null when this tab cannot know (a later page opened by its link). */
    pageNumber: depth === null ? null : depth + 1,
    /** Previous goes back one page when this tab came from it, else to the first page. */
    backGoesToFirst: Boolean(query) && !page.afterPrevious,
    moves: location.moves,
    goTo,
    goBack,
  };
}
