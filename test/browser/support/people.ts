import type { Role } from '@catalogue/shared';

export interface Person {
  email: string;
  name: string;
  password: string;
  role: Role;
}

/** Who signs in during the browser tests (seeded on each run's fresh databases). */
export const PEOPLE = {
  staff: { email: 'staff@example.com', name: 'Sam Staff', password: 'staff-browser-test-password', role: 'staff' },
  alice: { email: 'alice@example.com', name: 'Alice Liddell', password: 'alice-browser-test-password', role: 'customer' },
  bob: { email: 'bob@example.com', name: 'Bob Marley', password: 'bob-browser-test-password', role: 'customer' },
} satisfies Record<string, Person>;
