import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { ServiceMetrics } from '@catalogue/shared';
import type { Response } from 'express';
import { METRICS } from '../common/tokens';

/** `GET /metrics`: this process's registry in Prometheus' text format. */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: ServiceMetrics) {}

  @Get('/metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.exposition();
    res.type(contentType).send(body);
  }
}
