import { SetMetadata } from '@nestjs/common';

export const PUBLIC_WHEN = 'catalogue:public-when';

/**
 * When a route answers without a token: `always`; `reads` when ADMIN_PUBLIC_READS is on;
 * `dev-random-user` when DEV_RANDOM_USER is on. Every other route needs a staff token.
 */
export type PublicWhen = 'always' | 'reads' | 'dev-random-user';

export const Public = (when: PublicWhen = 'always') => SetMetadata(PUBLIC_WHEN, when);
