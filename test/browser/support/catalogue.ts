import { eventually } from '@catalogue/shared/testing';
import type { RunningSystem } from './servers';

export interface CreatedProduct {
  id: number;
  title: string;
  image: string;
}

/** Creates a product through admin's API (as staff) and waits until main has it. */
export async function createProduct(system: RunningSystem, staffToken: string, title: string, image: string): Promise<CreatedProduct> {
  const res = await fetch(`${system.adminUrl}/api/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
    body: JSON.stringify({ title, image }),
  });
  if (res.status !== 201) throw new Error(`admin answered ${res.status} creating ${title}: ${await res.text()}`);
  const product = (await res.json()) as CreatedProduct;
  await eventually(async () => (await fetch(`${system.mainUrl}/api/products/${product.id}`)).status === 200, { what: `${title} in main` });
  return product;
}
