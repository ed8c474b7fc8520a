import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { AuthService, type SignedIn } from './auth.service';
import { Public } from './public.decorator';
import { TokensService, type IssuedToken } from './tokens.service';

export const LOGIN_PATH = '/api/auth/login';
export const SNAPSHOT_TOKEN_PATH = '/api/auth/snapshot-token';

export const loginSchema = z.strictObject({
  email: z
    .email()
    .max(255)
    .transform((email) => email.toLowerCase()),
  password: z.string().min(1).max(1024),
});

@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokensService,
  ) {}

  @Public()
  @Post(LOGIN_PATH)
  @HttpCode(200)
  login(@Body(new ZodValidationPipe(loginSchema)) body: z.infer<typeof loginSchema>): Promise<SignedIn> {
    return this.auth.login(body.email, body.password);
  }

  /**
   * Staff only: a credential that reads the product snapshot and nothing else, for main's resync
   * (ADMIN_TOKEN), so main never holds staff powers.
   */
  @Post(SNAPSHOT_TOKEN_PATH)
  @HttpCode(200)
  snapshotToken(): Promise<IssuedToken & { role: 'snapshot-reader' }> {
    return this.auth.snapshotReaderToken();
  }

  /** The public keys that verify admin's tokens (main-service fetches them). */
  @Public()
  @Get('/.well-known/jwks.json')
  jwks(): ReturnType<TokensService['jwks']> {
    return this.tokens.jwks();
  }
}
