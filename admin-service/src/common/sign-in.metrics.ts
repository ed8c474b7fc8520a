import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, type ServiceMetrics } from '@catalogue/shared';
import { CLIENT_ADDRESS_OUTCOMES, type ClientAddressOutcome } from './client-address';

/** Sign-in brakes, in the service's registry: the delays applied per email, and what came of main's forwarded addresses. */
export class SignInMetrics {
  readonly delay: Histogram;
  readonly clientAddresses: Counter<'outcome'>;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.delay = new Histogram({
      name: `${METRIC_PREFIX}sign_in_delay_seconds`,
      help: 'Delays added to sign-ins for an email with many recent failures (from any address); a rising count means someone is guessing a password.',
      buckets: [0.25, 0.5, 1, 2, 4, 8],
      registers,
    });
    this.clientAddresses = new Counter({
      name: `${METRIC_PREFIX}sign_in_client_addresses_total`,
      help: "Sign-ins carrying main's client-address header, by outcome: verified (counted under that address) or ignored (malformed, expired, bad_proof, not_configured: counted under the sender's own address).",
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of CLIENT_ADDRESS_OUTCOMES) this.clientAddresses.labels(outcome).inc(0);
  }

  delayed(ms: number): void {
    this.delay.observe(ms / 1000);
  }

  clientAddress(outcome: ClientAddressOutcome): void {
    this.clientAddresses.inc({ outcome });
  }
}
