import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventTypes, type ProductLiked, type ProductUnliked } from '@catalogue/shared';
import { batchOf, EventsContext } from '../common/events.transport';
import { ProductsService } from './products.service';

/** Likes and unlikes from main's exchange; the event is already validated and recorded as processed in `ctx`'s transaction. */
@Controller()
export class ProductsConsumer {
  constructor(private readonly products: ProductsService) {}

  @EventPattern(EventTypes.ProductLiked)
  async onProductLiked(@Payload() event: ProductLiked, @Ctx() ctx: EventsContext): Promise<void> {
    await this.products.recordLike(event, ctx.getEntityManager());
  }

  /** Likes delivered together: one UPDATE for all of them. */
  @EventPattern(batchOf(EventTypes.ProductLiked))
  async onProductsLiked(@Payload() events: ProductLiked[], @Ctx() ctx: EventsContext): Promise<void> {
    await this.products.recordLikes(events, ctx.getEntityManager());
  }

  /** Rare next to likes: no batch handler, so unlikes delivered together are applied one after another in the batch's transaction. */
  @EventPattern(EventTypes.ProductUnliked)
  async onProductUnliked(@Payload() event: ProductUnliked, @Ctx() ctx: EventsContext): Promise<void> {
    await this.products.recordUnlike(event, ctx.getEntityManager());
  }
}
