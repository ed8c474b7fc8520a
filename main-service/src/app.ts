import express from 'express';
import type { DataSource } from 'typeorm';
import { createTransactionRunner, crashAt, messagingSettingsFrom, ServiceMessaging, type Logger } from '@catalogue/shared';
import type { MainConfig } from './config';
import { healthRouter, type Lifecycle } from './health/health.router';
import { errorHandler, routeNotFound } from './http/errors.middleware';
import { LikesRepository } from './likes/likes.repository';
import { likesRouter } from './likes/likes.router';
import { LikesService } from './likes/likes.service';
import { productEventHandlers } from './products/products.consumer';
import { ProductsRepository } from './products/products.repository';
import { productsRouter } from './products/products.router';
import { ProductsService } from './products/products.service';
import { AdminUsersClient } from './users/users.client';
import { UsersService } from './users/users.service';

/** The old system's paths keep working for existing clients. */
const API_PREFIXES = ['/api', '/flask/api'];

export interface MainService {
  app: express.Express;
  messaging: ServiceMessaging;
  lifecycle: Lifecycle;
}

/** Wires main-service from explicit dependencies; starts nothing (main.ts and tests do). */
export function buildMainService(config: MainConfig, dataSource: DataSource, logger: Logger): MainService {
  const crash = crashAt(config.CRASH_POINT);
  const products = new ProductsService(new ProductsRepository(dataSource), config.PRODUCT_LIST_CACHE_MS);
  const messaging = new ServiceMessaging({
    service: 'main',
    settings: messagingSettingsFrom(config),
    dataSource,
    logger,
    runRelay: config.RUN_RELAY,
    runConsumer: config.RUN_CONSUMER,
    handlers: productEventHandlers(products),
    crash,
  });
  const likes = new LikesService(
    new LikesRepository(),
    createTransactionRunner(dataSource, { idempotent: true }),
    () => {
      products.listChanged();
      messaging.announce();
    },
    crash,
  );
  const users = new UsersService(
    { jwtSecret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
    new AdminUsersClient(config.ADMIN_URL, config.ADMIN_TIMEOUT_MS),
  );
  const lifecycle: Lifecycle = { draining: false };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  app.use(healthRouter(dataSource, messaging, lifecycle));
  for (const prefix of API_PREFIXES) {
    app.use(`${prefix}/products`, productsRouter(products), likesRouter(likes, users));
  }
  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return { app, messaging, lifecycle };
}
