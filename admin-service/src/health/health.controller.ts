import { Controller, Get, Inject, Res } from '@nestjs/common';
import { checkHealth, type HealthReport } from '@catalogue/shared';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { BROKER_STATUS, Lifecycle, type BrokerStatus } from '../common/tokens';

/** Probes answer anyone: orchestrators call them without credentials, and they reveal no data. */
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BROKER_STATUS) private readonly broker: BrokerStatus,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** Readiness: the database answers and the broker connections are open (and we are not draining). */
  @Get('/api/health')
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const report = await checkHealth(this.dataSource, this.broker, this.lifecycle.draining);
    res.status(report.status === 'ok' ? 200 : 503);
    return report;
  }

  /** Liveness: the process answers; touches no dependency, so an outage never restarts us. */
  @Get('/ready')
  ready(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
