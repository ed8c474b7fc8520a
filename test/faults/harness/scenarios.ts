import { BROKER_SCENARIOS } from './broker-scenarios';
import { DATABASE_SCENARIOS } from './database-scenarios';
import { NETWORK_SCENARIOS } from './network-scenarios';
import { PROCESS_SCENARIOS } from './process-scenarios';
import type { Scenario } from './runner';

/** Every fault scenario by name, in the order the matrix runs them (README's Fault tests lists them). */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [...BROKER_SCENARIOS, ...DATABASE_SCENARIOS, ...PROCESS_SCENARIOS, ...NETWORK_SCENARIOS].map((scenario) => [scenario.name, scenario]),
);
