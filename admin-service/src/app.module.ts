import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { crashAt, messagingSettingsFrom, ServiceMessaging, type Logger } from '@catalogue/shared';
import { DataSource } from 'typeorm';
import { AppExceptionFilter } from './common/exception.filter';
import { EventsTransport } from './common/events.transport';
import { jsonBody } from './common/json-body';
import { NestPinoLogger } from './common/logger';
import { EVENTS_TRANSPORT, MessagingLifecycle } from './common/shutdown';
import { ADMIN_CONFIG, BROKER_STATUS, LOGGER, Lifecycle, type BrokerStatus } from './common/tokens';
import type { AdminConfig } from './config';
import { HealthModule } from './health/health.module';
import { ProductsModule } from './products/products.module';
import { UsersModule } from './users/users.module';
import { OperationsModule } from './operations/operations.module';
import { consoleHandlers, DEFAULT_CONSOLE_ROOT } from './web/console.static';

export interface AdminDependencies {
  /** Open (initialised) by the caller; the application closes it on shutdown. */
  dataSource: DataSource;
  logger: Logger;
  /** The built console; tests may point elsewhere. */
  consoleRoot?: string;
}

interface Wiring extends AdminDependencies {
  config: AdminConfig;
  messaging: ServiceMessaging;
  transport: EventsTransport | null;
}

@Module({})
export class AppModule {
  static forRoot(wiring: Wiring): DynamicModule {
    const brokerStatus: BrokerStatus = {
      isConnected: () => wiring.messaging.isConnected() && (wiring.transport?.isConnected() ?? true),
    };
    return {
      module: AppModule,
      global: true,
      imports: [ProductsModule, UsersModule, HealthModule, OperationsModule],
      providers: [
        { provide: ADMIN_CONFIG, useValue: wiring.config },
        { provide: LOGGER, useValue: wiring.logger },
        { provide: DataSource, useValue: wiring.dataSource },
        { provide: ServiceMessaging, useValue: wiring.messaging },
        { provide: EVENTS_TRANSPORT, useValue: wiring.transport },
        { provide: BROKER_STATUS, useValue: brokerStatus },
        Lifecycle,
        MessagingLifecycle,
      ],
      exports: [ADMIN_CONFIG, LOGGER, DataSource, ServiceMessaging, BROKER_STATUS, Lifecycle],
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
  const messaging = new ServiceMessaging({
    service: 'admin',
    settings,
    dataSource: deps.dataSource,
    logger: deps.logger,
    runRelay: config.RUN_RELAY,
    // The consumer runs inside EventsTransport, so its handlers are Nest's @EventPattern methods.
    runConsumer: false,
    handlers: {},
    crash,
  });
  const transport = config.RUN_CONSUMER
    ? new EventsTransport({ settings, topology: messaging.topology, dataSource: deps.dataSource, logger: deps.logger, crash })
    : null;

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ ...deps, config, messaging, transport }), {
    logger: new NestPinoLogger(deps.logger),
    abortOnError: false,
    bodyParser: false,
  });
  app.use(jsonBody('16kb'));
  const console = consoleHandlers(deps.consoleRoot ?? DEFAULT_CONSOLE_ROOT, deps.logger);
  if (console.length > 0) app.use('/admin', ...console);
  app.useGlobalFilters(new AppExceptionFilter(deps.logger));
  if (transport) app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  return app;
}
