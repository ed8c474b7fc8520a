/**
 * What the deployment files use that arrives with the observability branch (metrics routes, the
 * consumers' ops port, tracing). Until then these names are accepted without finding them in the
 * code; the lead empties every list when that branch merges, and from then on they are checked
 * against the code like everything else.
 */
export const PENDING_FROM_OBSERVABILITY: {
  env: readonly string[];
  routes: readonly string[];
  files: readonly string[];
} = {
  /** OPS_PORT in the services' config; the OTEL_* names once a service depends on an OpenTelemetry SDK. */
  env: ['OPS_PORT', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_SDK_DISABLED'],
  /** Prometheus' scrape path, on the API port and on OPS_PORT. */
  routes: ['/metrics'],
  /** Mounted by docker-compose.yml. */
  files: ['deploy/prometheus/prometheus.yml', 'deploy/prometheus/alerts.yml', 'deploy/grafana/provisioning', 'deploy/grafana/dashboards'],
};
