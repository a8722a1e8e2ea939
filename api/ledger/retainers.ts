import { createRoute } from '@hono/zod-openapi';
import { createAccount, findAccount } from '../activities/ledger';
import { DomainError } from '../domain/errors';
import { resourceIdFor } from '../domain/ids';
import { idParamSchema } from '../domain/schemas';
import { consumeRetainerBodySchema, createRetainerBodySchema } from '../domain/transfer';
import { workflowIds } from '../domain/workflow-ids';
import { transferWorkflow } from '../workflows/transfer';
import { assertRole } from './middleware/auth';
import { jsonBody, newRouter, responses, secured, type ApiDeps, requestResourceId } from './router';
import { runWorkflowOnce } from './temporal';

const tags = ['ledger'];

/**
 * retainerRoutes serves client retainers (SPEC.md §5): a retainer is an account of kind
 * `retainer` funded from outside; each consume is its own `transfer-<id>` to revenue, and the
 * row lock plus the no-negative CHECK make consuming past zero impossible.
 */
export function retainerRoutes(deps: ApiDeps) {
  const { db, temporal, config } = deps;
  const app = newRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/retainers',
      tags,
      security: secured,
      summary: 'Open a retainer for a client, funded with initialAmountMinor (staff)',
      request: { body: jsonBody(createRetainerBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const body = c.req.valid('json');
      const id = requestResourceId(c, 'retainer');
      await createAccount(db, {
        id,
        ownerId: body.clientId,
        kind: 'retainer',
        currency: body.currency,
      });
      const transferId = resourceIdFor({
        sub: id,
        idempotencyKey: 'initial-funding',
        scope: 'retainer-funding',
      });
      await runWorkflowOnce(temporal, transferWorkflow, {
        workflowId: workflowIds.transfer(transferId),
        taskQueue: config.taskQueue,
        args: [
          {
            transferId,
            kind: 'deposit',
            toAccountId: id,
            amountMinor: body.initialAmountMinor,
            description: 'retainer funding',
            initiatedBy: user.sub,
          },
        ],
      });
      return c.json(await findAccount(db, id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/retainers/{id}/consume',
      tags,
      security: secured,
      summary: 'Consume part of a retainer (staff); 409 insufficient_funds past zero',
      request: { params: idParamSchema, body: jsonBody(consumeRetainerBodySchema) },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const retainer = await findAccount(db, c.req.valid('param').id);
      if (!retainer || retainer.kind !== 'retainer')
        throw new DomainError('not_found', 'No such retainer');
      const body = c.req.valid('json');
      const transferId = requestResourceId(c, 'transfer');
      const transfer = await runWorkflowOnce(temporal, transferWorkflow, {
        workflowId: workflowIds.transfer(transferId),
        taskQueue: config.taskQueue,
        args: [
          {
            transferId,
            kind: 'retainer_consumption',
            fromAccountId: retainer.id,
            amountMinor: body.amountMinor,
            description: body.description,
            initiatedBy: user.sub,
          },
        ],
      });
      const after = (await findAccount(db, retainer.id))!;
      return c.json(
        {
          id: retainer.id,
          balanceMinor: after.balanceMinor,
          availableMinor: after.availableMinor,
          transfer,
        },
        200,
      );
    },
  );

  return app;
}
