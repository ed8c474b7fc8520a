import { Controller, Get, Inject, Res } from '@nestjs/common';
import {
  checkHealth,
  httpStatusOf,
  LIVENESS_ANSWER,
  readinessOf,
  readinessRequires,
  type HealthReport,
  type ReadinessAnswer,
} from '@catalogue/shared';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { BROKER_STATUS, Lifecycle, type BrokerStatus } from '../common/tokens';

/**
 * Probes answer anyone: orchestrators call them without credentials, and they reveal no data.
 * Readiness needs the database only: product changes wait in the outbox while the broker is away.
 */
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BROKER_STATUS) private readonly broker: BrokerStatus,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** The detailed report: every dependency's state, with readiness's verdict as its status. */
  @Get('/api/health')
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const report = await this.report();
    res.status(httpStatusOf(report));
    return report;
  }

  /** Readiness (Kubernetes' convention): the database answers and we are not draining. */
  @Get('/readyz')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<ReadinessAnswer> {
    const readiness = readinessOf(await this.report());
    res.status(httpStatusOf(readiness));
    return readiness;
  }

  /** Liveness (Kubernetes' convention): the process answers; touches no dependency, so an outage never restarts us. */
  @Get('/livez')
  livez(): typeof LIVENESS_ANSWER {
    return LIVENESS_ANSWER;
  }

  /** Liveness under its older name, kept for existing probes. */
  @Get('/ready')
  ready(): typeof LIVENESS_ANSWER {
    return LIVENESS_ANSWER;
  }

  private report(): Promise<HealthReport> {
    return checkHealth({
      dataSource: this.dataSource,
      broker: this.broker,
      required: readinessRequires('api'),
      isDraining: () => this.lifecycle.draining,
    });
  }
}
