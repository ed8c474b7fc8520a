import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RequireJsonMiddleware } from '../common/require-json.middleware';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { StaffGuard } from './staff.guard';
import { TokensService } from './tokens.service';

@Module({
  imports: [UsersModule],
  controllers: [AuthController],
  providers: [AuthService, TokensService, { provide: APP_GUARD, useClass: StaffGuard }],
  exports: [TokensService],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequireJsonMiddleware).forRoutes(AuthController);
  }
}
