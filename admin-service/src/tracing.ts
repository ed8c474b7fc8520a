import { startTracing } from '@catalogue/shared/tracing';

// Imported first by every entry file: instrumentation must patch http, express, mysql2 and amqplib before they load.
startTracing({ defaultServiceName: 'admin-service' });
