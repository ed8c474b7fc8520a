import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { parseProductId, parseSnapshotQuery, type AdminSnapshotRow, type SnapshotPage } from '@catalogue/shared';
import { z } from 'zod';
import { ServiceAccess } from '../auth/service-access.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ProductsService } from './products.service';

export const reannounceSchema = z.strictObject({ atLeastVersion: z.number().int().min(0).max(2_147_483_647).optional() }).optional();

/** Repair endpoints for operators (staff) and main's resync (the snapshot only, with a snapshot-reader credential). */
@Controller('/internal/products')
export class ProductsInternalController {
  constructor(private readonly products: ProductsService) {}

  /** Every product in id order, deleted ones as tombstones, with versions and like counts. */
  @ServiceAccess('snapshot-reader')
  @Get('snapshot')
  snapshot(@Query() query: Record<string, unknown>): Promise<SnapshotPage<AdminSnapshotRow>> {
    return this.products.snapshot(parseSnapshotQuery(query));
  }

  /** Publishes the product's current state again under a new version (202: the event is committed to the outbox). */
  @Post(':id/announce')
  @HttpCode(202)
  announce(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(reannounceSchema)) body: z.infer<typeof reannounceSchema>,
  ): Promise<AdminSnapshotRow> {
    return this.products.reannounce(parseProductId(id), body?.atLeastVersion);
  }
}
