import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { parseListQuery, parseProductId, productImageSchema, productTitleSchema } from '@catalogue/shared';
import type { Response } from 'express';
import { z } from 'zod';
import { Public } from '../auth/public.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { productFiltersSchema, toProductFilters } from './product-filters';
import type { Product, ProductInput } from './products.repository';
import { PRODUCTS_PATH, ProductsService } from './products.service';

/** Strict: likes, id and anything else not listed are refused by name. */
export const productInputSchema = z.strictObject({ title: productTitleSchema, image: productImageSchema });
const validProductInput = new ZodValidationPipe(productInputSchema);

@Controller(PRODUCTS_PATH)
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Public('reads')
  @Get()
  async list(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response): Promise<Product[]> {
    const list = parseListQuery(query, productFiltersSchema);
    const page = await this.products.list({ ...list, filters: toProductFilters(list.filters) });
    if (page.link) res.setHeader('Link', page.link);
    return page.items;
  }

  @Post()
  create(@Body(validProductInput) input: ProductInput): Promise<Product> {
    return this.products.create(input);
  }

  @Public('reads')
  @Get(':id')
  get(@Param('id') id: string): Promise<Product> {
    return this.products.get(parseProductId(id));
  }

  /** 202, as the system we replace answered; the change is committed when it returns. */
  @Put(':id')
  @HttpCode(202)
  update(@Param('id') id: string, @Body(validProductInput) input: ProductInput): Promise<Product> {
    return this.products.update(parseProductId(id), input);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.products.remove(parseProductId(id));
  }
}
