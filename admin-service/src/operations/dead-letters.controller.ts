import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { DeadLettersService, type DeadLetterQueueView, type ReplayResult } from './dead-letters.service';

const queue = z.enum(['main', 'admin']);
/** Either named message ids or `all: true`, never both: a slip must not turn into "replay everything". */
export const replaySchema = z.union([
  z.strictObject({ queue, ids: z.array(z.string().min(1).max(200)).min(1).max(500) }),
  z.strictObject({ queue, all: z.literal(true) }),
]);

/** Dead letters for the console's operations page (staff only, as every admin route). */
@Controller('/api/operations/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(): Promise<{ queues: DeadLetterQueueView[] }> {
    return { queues: await this.deadLetters.list() };
  }

  /** Republishes the chosen dead letters to their original exchange; each leaves its queue only once confirmed. */
  @Post('replay')
  @HttpCode(200)
  replay(@Body(new ZodValidationPipe(replaySchema)) body: z.infer<typeof replaySchema>): Promise<ReplayResult> {
    return this.deadLetters.replay(body);
  }
}
