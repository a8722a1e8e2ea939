import { createRoute } from '@hono/zod-openapi';
import { createAccount, findAccount } from '../activities/ledger';
import { listAccounts, listEntries } from '../activities/ledger-read';
import { DomainError } from '../domain/errors';
import type { AccountView } from '../domain/ledger';
import { currencySchema, idParamSchema, pageQuerySchema, uuidSchema } from '../domain/schemas';
import { z } from 'zod';
import { createAccountBodySchema, depositBodySchema } from '../domain/transfer';
import { workflowIds } from '../domain/workflow-ids';
import { transferWorkflow } from '../workflows/transfer';
import { assertRole, type AuthUser } from './middleware/auth';
import {
  decodeCursor,
  page,
  jsonBody,
  newRouter,
  responses,
  secured,
  type ApiDeps,
  requestResourceId,
} from './router';
import { runWorkflowOnce } from './temporal';

const tags = ['ledger'];
const listAccountsQuerySchema = pageQuerySchema.extend({
  ownerId: uuidSchema.optional(),
  kind: z.enum(['wallet', 'retainer', 'bank', 'revenue', 'external']).optional(),
  currency: currencySchema.optional(),
});

/**
 * accountRoutes serves the account part of SPEC.md §5: opening accounts, reading balances
 * (`availableMinor` nets open holds) and entries, and staff deposits through `transfer-<id>`.
 */
export function accountRoutes(deps: ApiDeps) {
  const { db, temporal, config } = deps;
  const app = newRouter();

  /** visibleAccount reads an account its owner or staff may see; others get 404. */
  async function visibleAccount(user: AuthUser, accountId: string): Promise<AccountView> {
    const account = await findAccount(db, accountId);
    if (!account || (user.role !== 'staff' && account.ownerId !== user.sub))
      throw new DomainError('not_found', 'No such account');
    return account;
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/accounts',
      tags,
      security: secured,
      summary: 'Open an account (staff)',
      request: { body: jsonBody(createAccountBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const id = requestResourceId(c, 'account');
      return c.json(await createAccount(db, { id, ...c.req.valid('json') }), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/accounts',
      tags,
      security: secured,
      summary:
        'List accounts by owner, kind or currency (staff); system accounts have ownerId null',
      request: { query: listAccountsQuerySchema },
      responses: responses(200),
    }),
    async (c) => {
      assertRole(c.get('user'), ['staff']);
      const { limit, cursor, ...filter } = c.req.valid('query');
      const after = decodeCursor(cursor, ['id'] as const);
      const items = await listAccounts(db, { ...filter, limit, afterId: after?.id });
      return c.json(
        page(items, limit, (last) => ({ id: last.id })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}',
      tags,
      security: secured,
      summary: 'Read an account with balanceMinor and availableMinor (owner, staff)',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => c.json(await visibleAccount(c.get('user'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/entries',
      tags,
      security: secured,
      summary: 'List an account’s ledger entries, newest first (owner, staff)',
      request: { params: idParamSchema, query: pageQuerySchema },
      responses: responses(200),
    }),
    async (c) => {
      const account = await visibleAccount(c.get('user'), c.req.valid('param').id);
      const { limit, cursor } = c.req.valid('query');
      const after = decodeCursor(cursor, ['id'] as const);
      if (after && !/^\d{1,18}$/.test(after.id))
        throw new DomainError('validation_failed', 'Bad cursor', {
          errors: [{ path: 'cursor', message: 'not a cursor this API issued' }],
        });
      const items = await listEntries(db, { accountId: account.id, limit, beforeId: after?.id });
      return c.json(
        page(items, limit, (last) => ({ id: String(last.id) })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/deposits',
      tags,
      security: secured,
      summary: 'Deposit money from outside (staff); a transfer from the external account',
      request: { params: idParamSchema, body: jsonBody(depositBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const account = await visibleAccount(user, c.req.valid('param').id);
      const body = c.req.valid('json');
      const transferId = requestResourceId(c, 'transfer');
      const workflowId = workflowIds.transfer(transferId);
      const transfer = await runWorkflowOnce(temporal, transferWorkflow, {
        workflowId,
        taskQueue: config.taskQueue,
        args: [
          {
            transferId,
            kind: 'deposit',
            toAccountId: account.id,
            amountMinor: body.amountMinor,
            description: body.description,
            initiatedBy: user.sub,
          },
        ],
      });
      return c.json({ ...transfer, workflowId }, 201);
    },
  );

  return app;
}
