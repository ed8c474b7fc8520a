import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { UsersService } from './users.service';

@Controller('/api/user')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** A random user's id: main's development random-user mode asks for it (staff only otherwise). */
  @Public('dev-random-user')
  @Get()
  async random(): Promise<{ id: number }> {
    return { id: await this.users.randomUserId() };
  }
}
