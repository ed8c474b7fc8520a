import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { RequireJsonMiddleware } from '../common/require-json.middleware';
import { ProductsConsumer } from './products.consumer';
import { ProductsController } from './products.controller';
import { ProductsInternalController } from './products.internal.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';

@Module({
  controllers: [ProductsController, ProductsInternalController, ProductsConsumer],
  providers: [ProductsService, ProductsRepository],
})
export class ProductsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequireJsonMiddleware).forRoutes(ProductsController);
  }
}
