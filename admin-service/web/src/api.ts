import { createContext, useContext } from 'react';
import { ApiError, callApi, type ApiAnswer, type CallOptions } from '@catalogue/web-kit';

export interface Product {
  id: number;
  title: string;
  image: string;
  likes: number;
}

export interface ProductInput {
  title: string;
  image: string;
}

export type Call = <T>(path: string, options?: Omit<CallOptions, 'token'>) => Promise<ApiAnswer<T>>;

/** Calls admin's API as the signed-in staff member; a refused token signs them out. */
export function authorisedCall(token: string, onUnauthorised: () => void): Call {
  return async <T>(path: string, options: Omit<CallOptions, 'token'> = {}) => {
    try {
      return await callApi<T>(path, { ...options, token });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onUnauthorised();
      throw err;
    }
  };
}

export const ApiContext = createContext<Call | null>(null);

export function useApi(): Call {
  const call = useContext(ApiContext);
  if (!call) throw new Error('useApi outside a signed-in console');
  return call;
}
