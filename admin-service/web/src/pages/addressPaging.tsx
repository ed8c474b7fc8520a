import { useEffect, useRef, type RefObject } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';

/** Where in a list a page is: the API's own cursor (`after` or `cursor`), mirrored in the address. */
export const CURSOR_PARAMS = ['after', 'cursor'] as const;

/**
 * The API URL of the page the console's address names: the `kept` parameters (search, sort) and
 * the cursor (the Link header's own query, mirrored when Next was pressed), with the page size.
 */
export function apiPageUrl(path: string, address: URLSearchParams, limit: number, kept: readonly string[] = []): string {
  const params = new URLSearchParams({ limit: String(limit) });
  for (const name of [...kept, ...CURSOR_PARAMS]) {
    const value = address.get(name);
    if (value) params.set(name, value);
  }
  return `${path}?${params.toString()}`;
}

/** The console address of the page a Link header points to (its query without the page size). */
export function addressOfPage(apiUrl: string): URLSearchParams {
  const params = new URL(apiUrl, window.location.origin).searchParams;
  params.delete('limit');
  return params;
}

/**
 * What a list's history entry remembers besides its address: its page number (a cursor does not
 * say how deep it is) and whether the entry before it is the previous page.
 */
interface ListState {
  page?: number;
  afterPrevious?: boolean;
}

export interface AddressPaging {
  params: URLSearchParams;
  /** The address names a page after the first. */
  later: boolean;
  /** 1 for the first page; undefined for a later page opened by its address alone. */
  pageNumber: number | undefined;
  /** Previous is the history entry before this one (otherwise it can only offer the first page). */
  previousIsBack: boolean;
  // Function-typed properties, not methods: they close over the hook's state and are passed around unbound.
  goNext: (nextApiUrl: string) => void;
  goPrevious: () => void;
  /** Changes the address (a new search or sort) and starts again at the first page. */
  firstPageWith: (change: (next: URLSearchParams) => void) => void;
  /** The list's title: it takes the focus once the page that Next or Previous asked for is shown. */
  landing: RefObject<HTMLHeadingElement | null>;
}

/**
 * A list's paging kept in the address, so a reload or a shared link shows the same page, and
 * Back steps through the pages. `loading` is whether the page the address names is still loading.
 */
export function useAddressPaging(loading: boolean): AddressPaging {
  const location = useLocation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const state = (location.state as ListState | null) ?? {};
  const later = CURSOR_PARAMS.some((name) => params.has(name));
  const pageNumber = later ? state.page : 1;

  // After Next or Previous the list's title takes the focus, so keyboard and screen-reader users start at the new rows.
  const landing = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current || loading) return;
    moved.current = false;
    landing.current?.focus();
  }, [loading]);

  function firstPageWith(change: (next: URLSearchParams) => void) {
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const name of CURSOR_PARAMS) next.delete(name);
      change(next);
      return next;
    });
  }

  return {
    params,
    later,
    pageNumber,
    previousIsBack: Boolean(state.afterPrevious),
    goNext(nextApiUrl) {
      moved.current = true;
      setParams(addressOfPage(nextApiUrl), {
        state: { page: pageNumber === undefined ? undefined : pageNumber + 1, afterPrevious: true } satisfies ListState,
      });
    },
    goPrevious() {
      moved.current = true;
      if (state.afterPrevious) {
        void navigate(-1);
        return;
      }
      firstPageWith(() => undefined);
    },
    firstPageWith,
    landing,
  };
}

/** Previous (or First page, when the page before is not known), the page number when known, Next. */
export function Pager({ paging, next }: { paging: AddressPaging; next: string | undefined }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={!paging.later} onClick={paging.goPrevious}>
        {paging.later && !paging.previousIsBack ? '← First page' : '← Previous'}
      </button>
      {paging.pageNumber !== undefined && <span aria-current="page">Page {paging.pageNumber}</span>}
      <button type="button" disabled={!next} onClick={() => next && paging.goNext(next)}>
        Next →
      </button>
    </nav>
  );
}
