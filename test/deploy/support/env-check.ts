import { envNames, OTEL_STANDARD_ENV, usesOpenTelemetrySdk, type Program } from './code-facts';

const WORKSPACE: Record<Program, string> = { main: 'main-service', admin: 'admin-service', migrate: 'migrations', provision: 'migrations' };

/** Names a deployment file gives a program that the program never reads. */
export function unknownEnvNames(program: Program, names: Iterable<string>): string[] {
  const known = envNames(program);
  const otel = usesOpenTelemetrySdk(WORKSPACE[program]);
  return [...names].filter((name) => !known.has(name) && !(otel && OTEL_STANDARD_ENV.has(name)));
}
