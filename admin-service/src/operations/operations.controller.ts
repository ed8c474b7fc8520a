import { Controller, Get, Header } from '@nestjs/common';
import { OperationsService, type OperationsReport } from './operations.service';

@Controller('/api/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  /** Health of both services, outbox backlogs and dead-letter depths, for the console. */
  @Get()
  @Header('Cache-Control', 'no-store')
  report(): Promise<OperationsReport> {
    return this.operations.report();
  }
}
