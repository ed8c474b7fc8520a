import { createContext, useContext } from 'react';

/**
 * A message for the product list to show when it comes back (`Saved “Lamp”.`). The form goes back
 * through the browser's history (so the list returns with its own entry: search, sort, page and
 * Previous intact), which carries no new state: the message waits here instead.
 */
export interface Flash {
  message: string | null;
  show: (message: string | null) => void;
}

export const FlashContext = createContext<Flash>({ message: null, show: () => undefined });

export const useFlash = (): Flash => useContext(FlashContext);
