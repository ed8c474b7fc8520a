import { Controller, Get, Header, Headers } from '@nestjs/common';
import { OperationsService, type OperationsReport } from './operations.service';

@Controller('/api/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  /** Health of both services, outbox backlogs and dead-letter depths, for the console (staff only, as every admin route). */
  @Get()
  @Header('Cache-Control', 'no-store')
  report(@Headers('authorization') authorization: string | undefined): Promise<OperationsReport> {
    return this.operations.report(authorization);
  }
}
