import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError, zodDetails } from '@catalogue/shared';
import type { z } from 'zod';

/** Validates (and normalises) a body against a zod schema; failures name each field. */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) throw AppError.validation(zodDetails(result.error));
    return result.data;
  }
}
