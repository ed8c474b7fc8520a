import { z } from 'zod';

/**
 * What staff can narrow admin's product list by. Dates are a day (`2026-11-30`, the whole UTC
 * day) or an ISO 8601 instant with its offset; both ends are inclusive. Deleted products are
 * never listed.
 */
export interface ProductFilters {
  minLikes?: number;
  maxLikes?: number;
  createdFrom?: Date;
  /** Exclusive: the first instant after the range. */
  createdBefore?: Date;
}

const likesParam = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(4_294_967_295, 'is too large');

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_REASON = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset';

/** A day or an instant; a day is read as its first millisecond (UTC). */
const dateParam = z.string({ error: DATE_REASON }).transform((raw, ctx) => {
  const isDay = DAY.test(raw);
  const date = isDay || INSTANT.test(raw) ? new Date(isDay ? `${raw}T00:00:00Z` : raw) : undefined;
  // new Date() rolls 2026-02-31 over to March: a day must read back as itself.
  if (
    !date ||
    Number.isNaN(date.getTime()) ||
    (isDay && date.toISOString().slice(0, 10) !== raw) ||
    date.getUTCFullYear() < 1970 ||
    date.getUTCFullYear() > 9999
  ) {
    ctx.addIssue({ code: 'custom', message: DATE_REASON });
    return z.NEVER;
  }
  return { date, isDay };
});

export const productFiltersSchema = z
  .object({
    min_likes: likesParam.optional(),
    max_likes: likesParam.optional(),
    created_from: dateParam.optional(),
    created_to: dateParam.optional(),
  })
  .superRefine((f, ctx) => {
    if (f.min_likes !== undefined && f.max_likes !== undefined && f.min_likes > f.max_likes) {
      ctx.addIssue({ code: 'custom', path: ['max_likes'], message: 'must not be less than min_likes' });
    }
    if (f.created_from && f.created_to && f.created_from.date > f.created_to.date) {
      ctx.addIssue({ code: 'custom', path: ['created_to'], message: 'must not be before created_from' });
    }
  });

export function toProductFilters(parsed: z.infer<typeof productFiltersSchema>): ProductFilters {
  const to = parsed.created_to;
  const DAY_MS = 86_400_000;
  return {
    ...(parsed.min_likes !== undefined ? { minLikes: parsed.min_likes } : {}),
    ...(parsed.max_likes !== undefined ? { maxLikes: parsed.max_likes } : {}),
    ...(parsed.created_from ? { createdFrom: parsed.created_from.date } : {}),
    // created_at has millisecond precision: "up to and including" is "before the next millisecond".
    ...(to ? { createdBefore: new Date(to.date.getTime() + (to.isDay ? DAY_MS : 1)) } : {}),
  };
}
