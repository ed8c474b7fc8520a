import { addressKey, CLIENT_ADDRESS_HEADER, clientAddressKey, verifyClientAddress } from '@catalogue/shared';
import type { Request, RequestHandler } from 'express';

export const CLIENT_ADDRESS_OUTCOMES = ['verified', 'malformed', 'expired', 'bad_proof', 'not_configured'] as const;
export type ClientAddressOutcome = (typeof CLIENT_ADDRESS_OUTCOMES)[number];

/** Addresses main proved it forwarded, per request. */
const forwarded = new WeakMap<Request, string>();

/**
 * Reads main's client-address header (a storefront sign-in passed through main) and keeps the
 * address only when one of `secrets` proves main set it, recently. Without a valid proof the
 * header is ignored, and the request counts under the address admin reads itself.
 */
export function forwardedClientAddress(
  secrets: readonly string[] | undefined,
  told: (outcome: ClientAddressOutcome) => void,
): RequestHandler {
  return (req, _res, next) => {
    const value = req.get(CLIENT_ADDRESS_HEADER);
    if (value === undefined) return next();
    if (!secrets) {
      told('not_configured');
      return next();
    }
    const check = verifyClientAddress(value, secrets);
    if (check.ok) forwarded.set(req, check.address);
    told(check.ok ? 'verified' : check.reason);
    next();
  };
}

/**
 * Who a sign-in comes from, for its limits: for a storefront sign-in, the address main proved it
 * forwarded; for any other (the console, straight from the ingress), the address admin reads
 * behind its own TRUST_PROXY_HOPS. IPv6 grouped by /56.
 */
export function signInClientKey(req: Request): string {
  const address = forwarded.get(req);
  return address === undefined ? clientAddressKey(req) : addressKey(address);
}
