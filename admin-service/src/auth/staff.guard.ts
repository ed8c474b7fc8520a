import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { forbidden, type Identity, type ServiceRole } from '@catalogue/shared';
import type { Request } from 'express';
import { ADMIN_CONFIG } from '../common/tokens';
import type { AdminConfig } from '../config';
import { PUBLIC_WHEN, type PublicWhen } from './public.decorator';
import { SERVICE_ACCESS } from './service-access.decorator';
import { UserAccessService } from '../users/user-access.service';
import { TokensService } from './tokens.service';

/**
 * Global guard: every HTTP route needs a bearer token with role staff unless marked @Public, so a
 * new route is closed by default; a service credential passes only where @ServiceAccess names its
 * role. Event handlers (the broker transport) are not HTTP and pass.
 */
@Injectable()
export class StaffGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
    private readonly access: UserAccessService,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const when = this.reflector.getAllAndOverride<PublicWhen | undefined>(PUBLIC_WHEN, [context.getHandler(), context.getClass()]);
    if (this.isOpen(when)) return true;
    const req = context.switchToHttp().getRequest<Request & { identity?: Identity }>();
    const identity = await this.tokens.verifier.verify(req.headers.authorization);
    const services =
      this.reflector.getAllAndOverride<ServiceRole[] | undefined>(SERVICE_ACCESS, [context.getHandler(), context.getClass()]) ?? [];
    if (identity.role !== 'staff' && !(services as string[]).includes(identity.role)) throw forbidden('this needs a staff account');
    // A disabled user's token, or one issued before their role changed, stops here (401 token_revoked).
    await this.access.assertCurrent(identity);
    req.identity = identity;
    return true;
  }

  private isOpen(when: PublicWhen | undefined): boolean {
    if (when === 'always') return true;
    if (when === 'reads') return this.config.ADMIN_PUBLIC_READS;
    if (when === 'dev-random-user') return this.config.DEV_RANDOM_USER;
    return false;
  }
}
