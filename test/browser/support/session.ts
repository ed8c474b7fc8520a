import type { Page } from 'playwright-core';
import type { Person } from './people';

/** Signs in through the storefront's own form (main passes it to admin), as a customer would. */
export async function signInToStorefront(page: Page, person: Person): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Sign in', exact: true }).click();
  await fillSignIn(page, person);
  await page.getByText(`Signed in as ${person.email}`).waitFor();
}

/** Signs in on the console's sign-in page. */
export async function signInToConsole(page: Page, person: Person): Promise<void> {
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  await fillSignIn(page, person);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function fillSignIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('main').getByRole('button', { name: 'Sign in', exact: true }).click();
}
