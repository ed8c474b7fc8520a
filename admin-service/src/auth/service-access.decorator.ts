import { SetMetadata } from '@nestjs/common';
import type { ServiceRole } from '@catalogue/shared';

export const SERVICE_ACCESS = 'catalogue:service-access';

/**
 * Lets a service credential in on this route, besides staff. Every other route refuses service
 * credentials (403), so a stolen one reads what it was made for and nothing else.
 */
export const ServiceAccess = (...roles: ServiceRole[]) => SetMetadata(SERVICE_ACCESS, roles);
