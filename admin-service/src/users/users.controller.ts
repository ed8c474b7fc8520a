import { Body, Controller, Get, Param, Patch, Query, Req, Res } from '@nestjs/common';
import { parsePageQuery, parseUserId, ROLES, type Identity } from '@catalogue/shared';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { Public } from '../auth/public.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { UserChangesService } from './user-changes.service';
import type { UserView } from './users.repository';
import { UsersService } from './users.service';

/** Strict: only these two, at least one of them. */
export const userPatchSchema = z
  .strictObject({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .refine((patch) => patch.role !== undefined || patch.disabled !== undefined, { message: 'give role, disabled or both', path: ['body'] });

@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly changes: UserChangesService,
  ) {}

  /** A random user's id: main's development random-user mode asks for it (staff only otherwise). */
  @Public('dev-random-user')
  @Get('/api/user')
  async random(): Promise<{ id: number }> {
    return { id: await this.users.randomUserId() };
  }

  /** The users page of the console, in id order, with a Link header to the next page. */
  @Get('/api/users')
  async list(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response): Promise<UserView[]> {
    const page = await this.users.list(parsePageQuery(query), '/api/users');
    if (page.link) res.setHeader('Link', page.link);
    return page.items;
  }

  /** Changes a user's role or disables them: their earlier tokens stop working (decision record 0019). */
  @Patch('/api/users/:id')
  change(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(userPatchSchema)) patch: z.infer<typeof userPatchSchema>,
    @Req() req: Request & { identity?: Identity },
  ): Promise<UserView> {
    return this.changes.change(req.identity!.subject, parseUserId(id), patch);
  }
}
