import { Controller, Get, Query, Res } from '@nestjs/common';
import { parsePageQuery } from '@catalogue/shared';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import type { UserView } from './users.repository';
import { UsersService } from './users.service';

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

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
}
