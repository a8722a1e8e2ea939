import { createRoute } from '@hono/zod-openapi';
import { createPayment, findPayment } from '../activities/payments';
import { DomainError, domainErrorFromFailure } from '../domain/errors';
import type { PaymentView } from '../domain/ledger';
import { completePaymentUpdate } from '../domain/ledger-messages';
import { idParamSchema } from '../domain/schemas';
import { createPaymentBodySchema } from '../domain/transfer';
import { paymentWorkflow } from '../workflows/payment';
import { assertRole } from './middleware/auth';
import { jsonBody, newRouter, responses, secured, type ApiDeps, requestResourceId } from './router';
import { updateWithStart } from './temporal';

const tags = ['ledger'];

/**
 * paymentRoutes serves staff payments (SPEC.md §5): created `pending`, completed exactly once
 * through `payment-<id>` with Update-with-Start; every other complete gets 409
 * `already_completed`.
 */
export function paymentRoutes(deps: ApiDeps) {
  const { db, temporal, config } = deps;
  const app = newRouter();

  /** stagedPayment reads a payment for staff. @throws DomainError `not_found` (404). */
  async function stagedPayment(paymentId: string): Promise<PaymentView> {
    const payment = await findPayment(db, paymentId);
    if (!payment) throw new DomainError('not_found', 'No such payment');
    return payment;
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments',
      tags,
      security: secured,
      summary: 'Create a pending payment (staff); nothing moves yet',
      request: { body: jsonBody(createPaymentBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const id = requestResourceId(c, 'payment');
      return c.json(
        await createPayment(db, { id, ...c.req.valid('json'), createdBy: user.sub }),
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/payments/{id}',
      tags,
      security: secured,
      summary: 'Read a payment (staff)',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => {
      assertRole(c.get('user'), ['staff']);
      return c.json(await stagedPayment(c.req.valid('param').id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments/{id}/complete',
      tags,
      security: secured,
      summary:
        'Complete a payment once, posting its transfer (staff); others get 409 already_completed',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const payment = await stagedPayment(c.req.valid('param').id);
      try {
        const completed = await updateWithStart(temporal, {
          workflow: paymentWorkflow,
          workflowId: payment.workflowId,
          taskQueue: config.taskQueue,
          args: [{ paymentId: payment.id }],
          update: completePaymentUpdate,
          updateArgs: [{ actorId: user.sub }],
          reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
        return c.json(completed, 200);
      } catch (err) {
        if (domainErrorFromFailure(err)) throw err;
        const now = await stagedPayment(payment.id);
        if (now.status !== 'completed') throw err;
        throw new DomainError('already_completed', 'The payment was already completed', {
          completedAt: now.completedAt,
        });
      }
    },
  );

  return app;
}
