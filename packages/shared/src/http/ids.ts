import { z } from 'zod';
import { productIdSchema } from '../contracts/events';
import { AppError } from './errors';

const idParam = z.coerce.number({ error: 'must be a product id' }).pipe(productIdSchema);

/** A path id as a product id, or a 400 that says so (never a 500, never a query with NaN). */
export function parseProductId(raw: unknown): number {
  const result = /^\d{1,10}$/.test(String(raw)) ? idParam.safeParse(raw) : undefined;
  if (!result?.success)
    throw AppError.validation([{ field: 'id', reason: 'must be a positive whole number' }], 'the product id is not valid');
  return result.data;
}

/** A path id as a user id (admin's users have the same kind of ids), or a 400 that says so. */
export function parseUserId(raw: unknown): number {
  const result = /^\d{1,10}$/.test(String(raw)) ? idParam.safeParse(raw) : undefined;
  if (!result?.success) throw AppError.validation([{ field: 'id', reason: 'must be a positive whole number' }], 'the user id is not valid');
  return result.data;
}
