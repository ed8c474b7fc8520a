import { Controller, Get } from '@nestjs/common';
import { UsersService } from './users.service';

@Controller('/api/user')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async random(): Promise<{ id: number }> {
    return { id: await this.users.randomUserId() };
  }
}
