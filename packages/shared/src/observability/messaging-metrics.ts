import { DELIVERY_LIMIT_REASON } from '../messaging/consumer';
import type { MessagingObserver } from '../messaging/observer';
import { eventTypeLabel, type ServiceMetrics } from './metrics';

/** Turns what the relay and the consumer report into the event metrics. */
export function messagingMetrics(metrics: ServiceMetrics): MessagingObserver {
  return {
    published(type, count) {
      metrics.eventsPublished.inc({ event_type: eventTypeLabel(type) }, count);
    },
    publishFailed(type) {
      metrics.eventsFailed.inc({ event_type: eventTypeLabel(type), stage: 'publish' });
    },
    unroutable(type, count) {
      metrics.eventsUnroutable.inc({ event_type: eventTypeLabel(type) }, count);
    },
    delivered({ type, redelivered }) {
      if (redelivered) metrics.eventsRedelivered.inc({ event_type: eventTypeLabel(type) });
    },
    consumed({ type, outcome, durationSeconds, lagSeconds }) {
      const event_type = eventTypeLabel(type);
      metrics.consumerProcessingDuration.observe({ event_type, outcome }, durationSeconds);
      if (outcome === 'duplicate') {
        metrics.eventsDuplicatesIgnored.inc({ event_type });
        return;
      }
      metrics.eventsConsumed.inc({ event_type });
      metrics.eventLag.observe({ event_type }, lagSeconds);
    },
    consumeFailed({ type }) {
      metrics.eventsFailed.inc({ event_type: eventTypeLabel(type), stage: 'consume' });
    },
    deadLettered({ type, reason }) {
      metrics.eventsDeadLettered.inc({
        event_type: eventTypeLabel(type),
        reason: reason === DELIVERY_LIMIT_REASON ? 'delivery_limit' : 'refused',
      });
    },
    broker(info) {
      if (info.event === 'lost') metrics.brokerConnectionsLost.inc({ connection: info.connection, reason: info.reason });
      else if (info.event === 'connect_failed') metrics.brokerConnectFailures.inc({ connection: info.connection });
      else metrics.brokerBlocked.inc({ connection: info.connection });
    },
    inboxPruned(count) {
      metrics.inboxPruned.inc(count);
    },
  };
}
