import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  accessLog,
  apiDocsRouter,
  combineObservers,
  crashAt,
  httpMetricsMiddleware,
  messagingMetrics,
  requestTracing,
  messagingSettingsFrom,
  RateLimitCounters,
  readOutboxBacklog,
  securityHeaders,
  ServiceMessaging,
  ServiceMetrics,
  type Logger,
  type MessagingObserver,
} from '@catalogue/shared';
import { DataSource } from 'typeorm';
import { LOGIN_PATH } from './auth/auth.controller';
import { AuthModule } from './auth/auth.module';
import { loadSigningKeys, type SigningKeys } from './auth/signing-keys';
import { AppExceptionFilter } from './common/exception.filter';
import { EventsTransport } from './common/events.transport';
import { jsonBody } from './common/json-body';
import { NestPinoLogger } from './common/logger';
import { adminRateLimits, RateLimitCountersLifecycle } from './common/rate-limits';
import { AFTER_SHUTDOWN, EVENTS_TRANSPORT, MessagingLifecycle } from './common/shutdown';
import { ADMIN_CONFIG, BROKER_STATUS, LOGGER, Lifecycle, METRICS, SIGNING_KEY, type BrokerStatus } from './common/tokens';
import type { AdminConfig } from './config';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProductsModule } from './products/products.module';
import { PRODUCTS_PATH } from './products/products.service';
import { UsersModule } from './users/users.module';
import { OperationsModule } from './operations/operations.module';
import { keepLikesTheInboxForgets } from './products/applied-likes';
import { consoleHandlers, DEFAULT_CONSOLE_ROOT } from './web/console.static';
import { adminApiDocument } from './openapi';

export interface AdminDependencies {
  /** Open (initialised) by the caller; the application closes it on shutdown. */
  dataSource: DataSource;
  logger: Logger;
  /** Runs last on shutdown, after the database closes: the process owner flushes its traces here. */
  afterShutdown?: () => Promise<void>;
  /** Told about every publish and delivery (metrics, tests). */
  observer?: MessagingObserver;
  /** The built console; tests may point elsewhere. */
  consoleRoot?: string;
}

interface Wiring extends AdminDependencies {
  config: AdminConfig;
  messaging: ServiceMessaging;
  transport: EventsTransport | null;
  metrics: ServiceMetrics;
  /** Only where HTTP runs: a consumer process signs nothing, so it never holds the keys. */
  signingKeys: SigningKeys | null;
  rateLimitCounters: RateLimitCounters;
}

@Module({})
export class AppModule {
  static forRoot(wiring: Wiring): DynamicModule {
    const brokerStatus: BrokerStatus = {
      isConnected: () => wiring.messaging.isConnected() && (wiring.transport?.isConnected() ?? true),
    };
    const http = wiring.signingKeys !== null;
    return {
      module: AppModule,
      global: true,
      // Without HTTP only the event handlers are needed: no sign-in, no guard, no key.
      imports: http ? [AuthModule, ProductsModule, UsersModule, HealthModule, MetricsModule, OperationsModule] : [ProductsModule],
      providers: [
        { provide: ADMIN_CONFIG, useValue: wiring.config },
        ...(http ? [{ provide: SIGNING_KEY, useValue: wiring.signingKeys }] : []),
        { provide: LOGGER, useValue: wiring.logger },
        { provide: DataSource, useValue: wiring.dataSource },
        { provide: ServiceMessaging, useValue: wiring.messaging },
        { provide: EVENTS_TRANSPORT, useValue: wiring.transport },
        { provide: BROKER_STATUS, useValue: brokerStatus },
        { provide: METRICS, useValue: wiring.metrics },
        { provide: AFTER_SHUTDOWN, useValue: wiring.afterShutdown ?? null },
        { provide: RateLimitCounters, useValue: wiring.rateLimitCounters },
        Lifecycle,
        MessagingLifecycle,
        RateLimitCountersLifecycle,
      ],
      exports: [ADMIN_CONFIG, ...(http ? [SIGNING_KEY] : []), LOGGER, DataSource, ServiceMessaging, BROKER_STATUS, METRICS, Lifecycle],
    };
  }
}

/**
 * Builds admin-service from explicit dependencies without listening: main.ts listens, consumer.ts
 * only starts the microservice, tests call `init()`. The relay starts with the application; the
 * consumer starts with `app.startAllMicroservices()` when RUN_CONSUMER is on.
 */
export async function createAdminApp(config: AdminConfig, deps: AdminDependencies): Promise<NestExpressApplication> {
  const crash = crashAt(config.CRASH_POINT);
  const settings = messagingSettingsFrom(config);
  const metrics = new ServiceMetrics('admin', { outboxBacklog: () => readOutboxBacklog(deps.dataSource) });
  const observer = combineObservers(messagingMetrics(metrics), deps.observer);
  const messaging = new ServiceMessaging({
    service: 'admin',
    settings,
    dataSource: deps.dataSource,
    logger: deps.logger,
    runRelay: config.RUN_RELAY,
    // The consumer runs inside EventsTransport, so its handlers are Nest's @EventPattern methods.
    runConsumer: false,
    handlers: {},
    // The process that consumes keeps the inbox bounded; the likes it forgets stay in applied_likes.
    pruneInbox: config.RUN_CONSUMER,
    beforeInboxForget: keepLikesTheInboxForgets,
    observer,
    crash,
  });
  const transport = config.RUN_CONSUMER
    ? new EventsTransport({ settings, topology: messaging.topology, dataSource: deps.dataSource, logger: deps.logger, observer, crash })
    : null;

  // The token-signing keys are read only by processes that serve HTTP (sign-in, JWKS, the staff guard).
  const signingKeys = config.RUN_HTTP ? await loadSigningKeys(config, deps.logger) : null;
  const rateLimitCounters = new RateLimitCounters({
    url: config.REDIS_URL,
    service: 'admin',
    logger: deps.logger,
    metrics,
    memoryKeys: config.RATE_LIMIT_MEMORY_KEYS,
  });
  const limits = adminRateLimits(config, rateLimitCounters, metrics);

  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ ...deps, config, messaging, transport, metrics, signingKeys, rateLimitCounters }),
    {
      logger: new NestPinoLogger(deps.logger),
      abortOnError: false,
      bodyParser: false,
    },
  );
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  // The request's span (only when it is sampled), then metrics: they capture the route template
  // the access log and the span report.
  app.use(requestTracing(), httpMetricsMiddleware(metrics), accessLog(deps.logger, config));
  app.use(...securityHeaders(config));
  app.use(jsonBody('16kb'));
  // Express middleware runs before Nest's guards: limits hold for anonymous and signed-in callers alike.
  app.use(LOGIN_PATH, ...limits.login);
  app.use(limits.writes);
  app.use(PRODUCTS_PATH, limits.searches);
  app.use(apiDocsRouter(adminApiDocument()));
  const console = consoleHandlers(deps.consoleRoot ?? DEFAULT_CONSOLE_ROOT, deps.logger);
  if (console.length > 0) app.use('/admin', ...console);
  app.useGlobalFilters(new AppExceptionFilter(deps.logger));
  if (transport) app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  return app;
}
