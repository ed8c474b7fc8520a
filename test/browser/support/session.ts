import { SignJWT } from 'jose';
import type { BrowserContext } from 'playwright-core';
import { BROWSER_JWT_SECRET } from './servers';

export interface Person {
  email: string;
  password: string;
  role: 'staff' | 'customer';
  id: string;
}

export const STAFF: Person = { email: 'staff@example.com', password: '', role: 'staff', id: 'staff-1' };
export const ALICE: Person = { email: 'alice@example.com', password: '', role: 'customer', id: 'alice' };

export function tokenOf(person: Person): Promise<string> {
  return new SignJWT({ role: person.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(person.id)
    .setExpirationTime('30m')
    .sign(new TextEncoder().encode(BROWSER_JWT_SECRET));
}

/** Until sign-in lands: the session the app would have stored after signing in. */
export async function presetSession(context: BrowserContext, storageKey: string, person: Person): Promise<void> {
  const session = { token: await tokenOf(person), expiresAt: Date.now() + 30 * 60_000, user: { id: person.id, email: person.email, role: person.role } };
  await context.addInitScript(([key, value]) => localStorage.setItem(key!, value!), [storageKey, JSON.stringify(session)]);
}
