import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { ServiceMetrics } from '@catalogue/shared';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { METRICS } from '../common/tokens';

/**
 * `GET /metrics`: this process's registry in Prometheus' text format. Public, as README's list says:
 * Prometheus scrapes without credentials, and the series carry counts, never data or secrets.
 */
@Public()
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: ServiceMetrics) {}

  @Get('/metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.exposition();
    res.type(contentType).send(body);
  }
}
