import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Event names as they travel on the wire (routing keys and the envelope's `type`). */
export const EventTypes = {
  ProductCreated: 'product_created',
  ProductUpdated: 'product_updated',
  ProductDeleted: 'product_deleted',
  ProductLiked: 'product_liked',
  ProductUnliked: 'product_unliked',
  UserChanged: 'user_changed',
} as const;
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

/** Which service publishes each event (its `source`): admin owns products, main owns likes. */
export const EVENT_SOURCE: Record<EventType, 'admin' | 'main'> = {
  product_created: 'admin',
  product_updated: 'admin',
  product_deleted: 'admin',
  product_liked: 'main',
  product_unliked: 'main',
  user_changed: 'admin',
};

export const PRODUCT_TITLE_MAX = 200;
export const PRODUCT_IMAGE_MAX = 2048;
export const USER_ID_MAX = 255;

export const productIdSchema = z.number().int().positive().max(2_147_483_647);
export const productTitleSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(PRODUCT_TITLE_MAX, `must be at most ${PRODUCT_TITLE_MAX} characters`);
export const productImageSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(PRODUCT_IMAGE_MAX, `must be at most ${PRODUCT_IMAGE_MAX} characters`);
const versionSchema = z.number().int().positive().max(2_147_483_647);

const productSnapshot = z.strictObject({
  id: productIdSchema,
  title: productTitleSchema,
  image: productImageSchema,
  version: versionSchema,
});

const envelope = {
  id: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
};

export const productCreatedSchema = z.strictObject({
  ...envelope,
  type: z.literal(EventTypes.ProductCreated),
  source: z.literal('admin'),
  data: productSnapshot,
});
export const productUpdatedSchema = z.strictObject({
  ...envelope,
  type: z.literal(EventTypes.ProductUpdated),
  source: z.literal('admin'),
  data: productSnapshot,
});
export const productDeletedSchema = z.strictObject({
  ...envelope,
  type: z.literal(EventTypes.ProductDeleted),
  source: z.literal('admin'),
  data: z.strictObject({ id: productIdSchema, version: versionSchema }),
});
export const productLikedSchema = z.strictObject({
  ...envelope,
  type: z.literal(EventTypes.ProductLiked),
  source: z.literal('main'),
  data: z.strictObject({
    productId: productIdSchema,
    userId: z.string().min(1).max(USER_ID_MAX),
  }),
});

/**
 * A like taken back. `likeId` is the like's own id (its product_liked event id), so the consumer
 * can match the two whatever order they arrive in; the event id is the removal's own.
 */
export const productUnlikedSchema = z.strictObject({
  ...envelope,
  type: z.literal(EventTypes.ProductUnliked),
  source: z.literal('main'),
  data: z.strictObject({
    likeId: z.uuid(),
    productId: productIdSchema,
    userId: z.string().min(1).max(USER_ID_MAX),
  }),
});

/**
 * A user's role or disabled flag changed at admin. Every such change raises the user's token
 * version: tokens carrying an older `ver` are no longer accepted, on admin at once and on main as
 * soon as this event is applied (decision record 0019).
 */
export const userChangedSchema = z.strictObject({
  ...envelope,
  type: z.literal(EventTypes.UserChanged),
  source: z.literal('admin'),
  data: z.strictObject({
    userId: z.string().min(1).max(64),
    role: z.enum(['staff', 'customer']),
    disabled: z.boolean(),
    tokenVersion: z.number().int().positive().max(2_147_483_647),
  }),
});

export const catalogueEventSchema = z.discriminatedUnion('type', [
  productCreatedSchema,
  productUpdatedSchema,
  productDeletedSchema,
  productLikedSchema,
  productUnlikedSchema,
  userChangedSchema,
]);

/** Each event type's schema, for documents generated from them (docs/asyncapi.yaml). */
export const EVENT_SCHEMAS: Record<EventType, z.ZodType> = {
  product_created: productCreatedSchema,
  product_updated: productUpdatedSchema,
  product_deleted: productDeletedSchema,
  product_liked: productLikedSchema,
  product_unliked: productUnlikedSchema,
  user_changed: userChangedSchema,
};

export type CatalogueEvent = z.infer<typeof catalogueEventSchema>;
export type ProductCreated = z.infer<typeof productCreatedSchema>;
export type ProductUpdated = z.infer<typeof productUpdatedSchema>;
export type ProductDeleted = z.infer<typeof productDeletedSchema>;
export type ProductLiked = z.infer<typeof productLikedSchema>;
export type ProductUnliked = z.infer<typeof productUnlikedSchema>;
export type UserChanged = z.infer<typeof userChangedSchema>;
export type EventOf<T extends EventType> = Extract<CatalogueEvent, { type: T }>;

export type ParseResult = { ok: true; event: CatalogueEvent } | { ok: false; reason: string };

/** Validates anything that claims to be an event; the reason names the offending fields. */
export function parseEvent(raw: unknown): ParseResult {
  const result = catalogueEventSchema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  const reason = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason: `invalid event: ${reason}` };
}

/** Builds a new event and validates it, so nothing off-contract is ever written to an outbox. */
export function createEvent<T extends EventType>(
  type: T,
  data: EventOf<T>['data'],
  options: { id?: string; occurredAt?: Date } = {},
): EventOf<T> {
  const source = EVENT_SOURCE[type];
  const candidate = {
    id: options.id ?? randomUUID(),
    type,
    source,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    data,
  };
  const parsed = parseEvent(candidate);
  if (!parsed.ok) throw new Error(`refusing to publish an off-contract ${type}: ${parsed.reason}`);
  return parsed.event as EventOf<T>;
}
