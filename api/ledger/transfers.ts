import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { findAccount, findTransfer } from '../activities/ledger';
import { DomainError, domainErrorFromFailure, isErrorCode } from '../domain/errors';
import type { TransferView } from '../domain/ledger';
import { createHoldUpdate, postHoldUpdate, voidHoldUpdate } from '../domain/ledger-messages';
import { postHoldBodySchema, transferBodySchema, transferIdParamSchema } from '../domain/transfer';
import { workflowIds } from '../domain/workflow-ids';
import { holdWorkflow } from '../workflows/hold';
import { transferWorkflow } from '../workflows/transfer';
import type { AuthUser } from './middleware/auth';
import { jsonBody, newRouter, responses, secured, type ApiDeps, requestResourceId } from './router';
import { runWorkflowOnce, updateWithStart } from './temporal';

const tags = ['ledger'];

/**
 * transferRoutes serves transfers and holds (SPEC.md §5): `POST /v1/transfers` runs
 * `transfer-<id>` (ID from the Idempotency-Key, reuse policy REJECT_DUPLICATE) and answers 201
 * `posted`; with `hold: {timeout}` it places a two-phase hold (`pending`) that
 * `POST /v1/transfers/:id/post` or `/void` resolves once, or its timer voids.
 */
export function transferRoutes(deps: ApiDeps) {
  const { db, temporal, config } = deps;
  const app = newRouter();

  /**
   * assertMaySpend lets staff move money out of any account and customers only out of their
   * own. @throws DomainError `forbidden` (403).
   */
  async function assertMaySpend(user: AuthUser, accountId: string): Promise<void> {
    if (user.role === 'staff') return;
    const account = await findAccount(db, accountId);
    if (user.role === 'customer' && account?.ownerId === user.sub) return;
    throw new DomainError('forbidden', 'Money can only leave an account its owner or staff moves', {
      accountId,
    });
  }

  /** visibleTransfer reads a transfer its parties (owners of either account) or staff may see. */
  async function visibleTransfer(user: AuthUser, transferId: string): Promise<TransferView> {
    const transfer = await findTransfer(db, transferId);
    if (transfer && user.role === 'staff') return transfer;
    if (transfer) {
      const owners = await Promise.all(
        [transfer.fromAccountId, transfer.toAccountId].map((id) => findAccount(db, id)),
      );
      if (owners.some((account) => account?.ownerId === user.sub)) return transfer;
    }
    throw new DomainError('not_found', 'No such transfer');
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/transfers',
      tags,
      security: secured,
      summary:
        'Move money between two accounts (owner of the source, staff); with hold, a pending two-phase transfer',
      request: { body: jsonBody(transferBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      const body = c.req.valid('json');
      if (body.fromAccountId === body.toAccountId)
        throw new DomainError('same_account', 'A transfer needs two different accounts');
      await assertMaySpend(user, body.fromAccountId);
      const transferId = requestResourceId(c, 'transfer');
      const workflowId = workflowIds.transfer(transferId);
      const common = {
        transferId,
        fromAccountId: body.fromAccountId,
        toAccountId: body.toAccountId,
        amountMinor: body.amountMinor,
        description: body.description,
        initiatedBy: user.sub,
      };
      if (!body.hold) {
        const transfer = await runWorkflowOnce(temporal, transferWorkflow, {
          workflowId,
          taskQueue: config.taskQueue,
          args: [{ ...common, kind: 'transfer' }],
        });
        return c.json({ ...transfer, workflowId }, 201);
      }
      const hold = await placeHold(workflowId, { ...common, timeoutMs: body.hold.timeout });
      return c.json({ ...hold, workflowId }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/transfers/{id}',
      tags,
      security: secured,
      summary: 'Read a transfer (its parties, staff)',
      request: { params: transferIdParamSchema },
      responses: responses(200),
    }),
    async (c) => c.json(await visibleTransfer(c.get('user'), c.req.valid('param').id), 200),
  );

  for (const action of ['post', 'void'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/transfers/{id}/${action}`,
        tags,
        security: secured,
        summary:
          action === 'post'
            ? 'Post a pending hold, possibly for less (source owner, staff)'
            : 'Void a pending hold (source owner, staff)',
        request: {
          params: transferIdParamSchema,
          body: {
            required: false,
            content: { 'application/json': { schema: postHoldBodySchema } },
          },
        },
        responses: responses(200),
      }),
      async (c) => {
        const user = c.get('user');
        const hold = await visibleTransfer(user, c.req.valid('param').id);
        await assertMaySpend(user, hold.fromAccountId);
        if (hold.kind !== 'hold')
          throw new DomainError('invalid_transition', 'Only holds are posted or voided');
        const { amountMinor } = c.req.valid('json');
        const handle = temporal.workflow.getHandle(workflowIds.transfer(hold.id));
        try {
          const resolved =
            action === 'post'
              ? await handle.executeUpdate(postHoldUpdate, {
                  args: [{ amountMinor, actorId: user.sub }],
                })
              : await handle.executeUpdate(voidHoldUpdate, { args: [{ actorId: user.sub }] });
          return c.json(resolved, 200);
        } catch (err) {
          if (domainErrorFromFailure(err)) throw err;
          const now = (await findTransfer(db, hold.id))!;
          if (now.status === 'pending') throw err;
          throw new DomainError('already_resolved', `The hold was already ${now.status}`, {
            transferStatus: now.status,
          });
        }
      },
    );
  }

  /** placeHold sends `createHold` with Update-with-Start; a closed run answers with its result. */
  async function placeHold(
    workflowId: string,
    input: Parameters<typeof holdWorkflow>[0],
  ): Promise<TransferView> {
    try {
      return await updateWithStart(temporal, {
        workflow: holdWorkflow,
        workflowId,
        taskQueue: config.taskQueue,
        args: [input],
        update: createHoldUpdate,
        updateArgs: [],
        reusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const { hold, rejection } = await temporal.workflow
        .getHandle<typeof holdWorkflow>(workflowId)
        .result();
      if (hold) return hold;
      throw new DomainError(
        rejection && isErrorCode(rejection.code) ? rejection.code : 'unavailable',
        rejection?.detail ?? 'refused',
        rejection?.extra ?? {},
      );
    }
  }

  return app;
}
