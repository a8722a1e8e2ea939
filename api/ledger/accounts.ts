import { z } from 'zod';
import { createAccount, listAccounts, listEntries } from '../../db/ledger';
import { createAccountBodySchema, depositBodySchema } from '../../domain/ledger-schemas';
import {
  currencySchema,
  idCursorSchema,
  idParamSchema,
  pageQuerySchema,
  uuidSchema,
} from '../../domain/schemas';
import {
  type ApiDeps,
  decodeCursor,
  jsonBody,
  newRouter,
  page,
  requestResourceId,
  routeFor,
} from '../router';
import { deposit, visibleAccount } from './service';

const route = routeFor('ledger');
const listAccountsQuerySchema = pageQuerySchema.extend({
  ownerId: uuidSchema.optional(),
  kind: z.enum(['wallet', 'retainer', 'bank', 'revenue', 'external']).optional(),
  currency: currencySchema.optional(),
});

const openRoute = route('post', '/accounts', {
  summary: 'Open an account (staff)',
  request: { body: jsonBody(createAccountBodySchema) },
  status: 201,
  roles: ['staff'],
});

const listRoute = route('get', '/accounts', {
  summary: 'List accounts by owner, kind or currency (staff); system accounts have ownerId null',
  request: { query: listAccountsQuerySchema },
  status: 200,
  roles: ['staff'],
});

const getRoute = route('get', '/accounts/{id}', {
  summary: 'Read an account with balanceMinor and availableMinor (owner, staff)',
  request: { params: idParamSchema },
  status: 200,
});

const entriesRoute = route('get', '/accounts/{id}/entries', {
  summary: 'List an account’s ledger entries, newest first (owner, staff)',
  request: { params: idParamSchema, query: pageQuerySchema },
  status: 200,
});

const depositRoute = route('post', '/accounts/{id}/deposits', {
  summary: 'Deposit money from outside (staff); a transfer from the external account',
  request: { params: idParamSchema, body: jsonBody(depositBodySchema) },
  status: 201,
  roles: ['staff'],
});

/** entryCursorSchema is the position of an account's entries: the last entry's numeric id. */
const entryCursorSchema = z.object({ id: z.string().regex(/^\d{1,18}$/, 'not an entry id') });

/**
 * accountRoutes serves the account part of SPEC.md §5: opening accounts, reading balances
 * (`availableMinor` nets open holds) and entries, and staff deposits through `transfer-<id>`.
 */
export function accountRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(openRoute, async (c) => {
    const id = requestResourceId(c, 'account');
    return c.json(await createAccount(deps.db, { id, ...c.req.valid('json') }), 201);
  });
  app.openapi(listRoute, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const after = decodeCursor(cursor, idCursorSchema);
    const items = await listAccounts(deps.db, { ...filter, limit, afterId: after?.id });
    return c.json(
      page(items, limit, (last) => ({ id: last.id })),
      200,
    );
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visibleAccount(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(entriesRoute, async (c) => {
    const account = await visibleAccount(deps, c.get('user'), c.req.valid('param').id);
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, entryCursorSchema);
    const items = await listEntries(deps.db, {
      accountId: account.id,
      limit,
      beforeId: after?.id,
    });
    return c.json(
      page(items, limit, (last) => ({ id: String(last.id) })),
      200,
    );
  });
  app.openapi(depositRoute, async (c) => {
    // Its own scope: a key reused on POST /v1/transfers or a consume never names this transfer.
    const transferId = requestResourceId(c, 'deposit');
    const input = { accountId: c.req.valid('param').id, transferId, ...c.req.valid('json') };
    return c.json(await deposit(deps, { user: c.get('user'), ...input }), 201);
  });
  return app;
}
