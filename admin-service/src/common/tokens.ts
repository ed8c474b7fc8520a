/** Injection tokens for what the application is built from (see createAdminApp). */
export const LOGGER = Symbol('LOGGER');
export const ADMIN_CONFIG = Symbol('ADMIN_CONFIG');
/** The keys admin signs tokens with and publishes (see auth/signing-keys.ts). */
export const SIGNING_KEY = Symbol('SIGNING_KEY');

/** Whether every broker connection this process needs (publisher, and consumer when it runs) is open. */
export const BROKER_STATUS = Symbol('BROKER_STATUS');
export interface BrokerStatus {
  isConnected(): boolean;
}

/** Flipped when shutdown starts, so readiness answers 503 while work drains. */
export class Lifecycle {
  draining = false;
}

/** This process's metrics registry (ServiceMetrics). */
export const METRICS = Symbol('METRICS');
