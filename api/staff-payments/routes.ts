import { createStaffPayment } from '../../db/staff-payments';
import { idParamSchema } from '../../domain/schemas';
import { createStaffPaymentBodySchema } from '../../domain/staff-payments-schemas';
import { type ApiDeps, jsonBody, newRouter, requestResourceId, routeFor } from '../router';
import { completeStaffPayment, stagedPayment } from './service';

const route = routeFor('ledger');

const createPaymentRoute = route('post', '/payments', {
  summary: 'Create a pending staff payment (staff); nothing moves yet',
  request: { body: jsonBody(createStaffPaymentBodySchema) },
  status: 201,
  roles: ['staff'],
});

const getRoute = route('get', '/payments/{id}', {
  summary: 'Read a staff payment (staff)',
  request: { params: idParamSchema },
  status: 200,
  roles: ['staff'],
});

const completeRoute = route('post', '/payments/{id}/complete', {
  summary:
    'Complete a staff payment once, posting its transfer (staff); others get 409 already_completed',
  request: { params: idParamSchema },
  status: 200,
  roles: ['staff'],
});

/**
 * staffPaymentRoutes serves staff payments (SPEC.md §5 `/v1/payments`): created `pending`,
 * completed exactly once through `payment-<id>`.
 */
export function staffPaymentRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(createPaymentRoute, async (c) => {
    const user = c.get('user');
    const id = requestResourceId(c, 'payment');
    const input = { id, ...c.req.valid('json'), createdBy: user.sub };
    return c.json(await createStaffPayment(deps.db, input), 201);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await stagedPayment(deps, c.req.valid('param').id), 200),
  );
  app.openapi(completeRoute, async (c) => {
    const user = c.get('user');
    return c.json(
      await completeStaffPayment(deps, { user, paymentId: c.req.valid('param').id }),
      200,
    );
  });
  return app;
}
