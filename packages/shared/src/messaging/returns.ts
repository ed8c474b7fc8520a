import type { ConfirmChannel, Message } from 'amqplib';

/**
 * Which mandatory publishes the broker returned unroutable (no queue bound for their routing key).
 * RabbitMQ still confirms such a message, but sends `basic.return` before the ack on the same
 * channel, so once a publish's confirm arrives its return, if any, has already been seen here.
 * Returns are matched by message id; only publishes still awaiting their confirm are tracked, so a
 * late or foreign return leaves nothing behind.
 */
export class ReturnedMessages {
  private readonly awaiting = new Map<string, { returned: boolean }>();

  /**
   * Listens on a channel. Call it from the channel's setup function: amqp-connection-manager makes
   * a new channel on every reconnection and runs the setup again, and its wrapper does not pass on
   * the channel's `return` events.
   */
  watch(channel: ConfirmChannel): void {
    channel.on('return', (message: Message) => {
      const id: unknown = message.properties.messageId;
      if (typeof id !== 'string') return;
      const entry = this.awaiting.get(id);
      if (entry) entry.returned = true;
    });
  }

  /** Tracks a publish from before it is sent until `settle`; returns the function that settles it. */
  expect(messageId: string): () => boolean {
    const entry = { returned: false };
    this.awaiting.set(messageId, entry);
    return () => {
      if (this.awaiting.get(messageId) === entry) this.awaiting.delete(messageId);
      return entry.returned;
    };
  }
}
