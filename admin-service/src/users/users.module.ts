import { Module } from '@nestjs/common';
import { UserAccessService } from './user-access.service';
import { UserChangesService } from './user-changes.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, UserAccessService, UserChangesService],
  exports: [UsersService, UserAccessService],
})
export class UsersModule {}
