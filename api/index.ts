import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { metricsRegistry } from '../lib/metrics';
import { allowanceRoutes } from './allowances/routes';
import { accountRoutes } from './ledger/accounts';
import { retainerRoutes } from './ledger/retainers';
import { transferRoutes } from './ledger/transfers';
import { cartRoutes } from './carts/routes';
import { bookingRoutes } from './bookings/routes';
import { catalogRoutes } from './catalog/routes';
import { bearerAuth } from './middleware/auth';
import { requestDeadline } from './middleware/deadline';
import { problemResponse, toProblem } from './middleware/errors';
import { idempotency } from './middleware/idempotency';
import { listLimit } from './middleware/list-limit';
import { observeRequests } from './middleware/observe';
import { writeLimit } from './middleware/write-limit';
import { orderFailureRoutes } from './order-failures/routes';
import { auditUnroutedRefusals } from './orders/audit';
import { orderRoutes } from './orders/routes';
import { paymentRequestRoutes } from './payment-requests/routes';
import { staffPaymentRoutes } from './staff-payments/routes';
import { eventRoutes } from './events/routes';
import { travelRoutes } from './travel/routes';
import { webhookRoutes } from './webhooks/routes';
import { newRouter, type ApiDeps } from './router';
import { mountDocs, OPENAPI_PATH } from './docs';
import { readiness, type ApiLifecycle } from './readiness';

export type { ApiLifecycle } from './readiness';

/**
 * createApp assembles the Hono app: request IDs, metrics, secure headers, problem+json errors;
 * under `/v1` the time cap (REQUEST_TIMEOUT → 503), body limit (BODY_MAX_BYTES → 413), bearer
 * auth, write limit, audit of refused submissions, Idempotency-Key, list limit, then the routers.
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs` sit outside `/v1`. `/readyz`
 * reports `lifecycle.draining`, which api/server.ts sets on SIGTERM.
 */
export function createApp(deps: ApiDeps, lifecycle: ApiLifecycle = { draining: false }) {
  const app = newRouter();
  app.use('*', requestId({ headerName: 'x-request-id' }));
  app.use('*', observeRequests({ logger: deps.logger }));
  app.use('*', secureHeaders());
  app.onError((err, c) => toProblem(err, c, deps.logger));
  app.notFound(() => problemResponse('not_found', 'No such route'));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => readiness(c, deps, lifecycle));
  app.get('/metrics', async (c) =>
    c.text(await metricsRegistry.metrics(), 200, { 'content-type': metricsRegistry.contentType }),
  );

  app.use('/v1/*', requestDeadline({ timeoutMs: deps.config.requestTimeoutMs }));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.config.bodyMaxBytes,
      onError: () =>
        problemResponse(
          'payload_too_large',
          `The body is larger than ${deps.config.bodyMaxBytes} bytes`,
        ),
    }),
  );
  app.use('/v1/*', bearerAuth({ secret: deps.config.jwtSecret }));
  // Before the Idempotency-Key middleware: a throttled write never claims its key.
  app.use('/v1/*', writeLimit({ db: deps.db, writesPerMinute: deps.config.writesPerMinute }));
  app.use('/v1/orders', auditUnroutedRefusals(deps));
  app.use(
    '/v1/*',
    idempotency({
      db: deps.db,
      keyTtlMs: deps.config.idempotencyKeyTtlMs,
      waitTimeoutMs: deps.config.idempotencyWaitTimeoutMs,
    }),
  );
  app.use('/v1/*', listLimit({ listLimitMax: deps.config.listLimitMax }));
  app.route('/v1', catalogRoutes(deps));
  app.route('/v1', travelRoutes(deps));
  app.route('/v1', cartRoutes(deps));
  app.route('/v1', orderRoutes(deps));
  app.route('/v1', accountRoutes(deps));
  app.route('/v1', transferRoutes(deps));
  app.route('/v1', retainerRoutes(deps));
  app.route('/v1', staffPaymentRoutes(deps));
  app.route('/v1', bookingRoutes(deps));
  app.route('/v1', paymentRequestRoutes(deps));
  app.route('/v1', allowanceRoutes(deps));
  app.route('/v1', orderFailureRoutes(deps));
  app.route('/v1', eventRoutes(deps));
  app.route('/v1', webhookRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: 'holdfast',
      version: '0.1.0',
      description:
        'Race-free stock, booking and money movement. Errors are RFC 9457 problem+json with a stable `code`.',
    },
  });
  mountDocs(app);
  return app;
}
