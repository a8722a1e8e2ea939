import { addPause, createProgram, findProgram, joinProgram } from '../../db/allowances-programs';
import {
  createPauseBodySchema,
  createProgramBodySchema,
  createVoucherBodySchema,
  customerIdParamSchema,
  joinProgramBodySchema,
} from '../../domain/allowances-schemas';
import { DomainError } from '../../domain/errors';
import { idParamSchema } from '../../domain/schemas';
import { type ApiDeps, jsonBody, newRouter, requestResourceId, routeFor } from '../router';
import { giveVoucher, visibleBalance } from './service';

const route = routeFor('allowances');

const createProgramRoute = route('post', '/programs', {
  summary: 'Create an allowance programme and its funding account (staff)',
  request: { body: jsonBody(createProgramBodySchema) },
  status: 201,
  roles: ['staff'],
});

const getProgramRoute = route('get', '/programs/{id}', {
  summary: 'Get a programme with its category limits and pauses (staff)',
  request: { params: idParamSchema },
  status: 200,
  roles: ['staff'],
});

const addPauseRoute = route('post', '/programs/{id}/pauses', {
  summary: 'Add a pause, whose multiplier applies while it runs (staff); 409 pause_overlap',
  request: { params: idParamSchema, body: jsonBody(createPauseBodySchema) },
  status: 201,
  roles: ['staff'],
});

const joinRoute = route('post', '/programs/{id}/participants', {
  summary: 'Make a customer a participant (staff); 409 already_participant',
  request: { params: idParamSchema, body: jsonBody(joinProgramBodySchema) },
  status: 201,
  roles: ['staff'],
});

const voucherRoute = route('post', '/participants/{customerId}/vouchers', {
  summary: 'Give a participant a voucher multiplier until it expires (staff)',
  request: { params: customerIdParamSchema, body: jsonBody(createVoucherBodySchema) },
  status: 201,
  roles: ['staff'],
});

const balanceRoute = route('get', '/participants/{customerId}/balance', {
  summary: 'A participant’s full and available allowance now (the customer, staff)',
  request: { params: customerIdParamSchema },
  status: 200,
  roles: ['customer', 'staff'],
});

/**
 * allowanceRoutes serves the allowance programmes of SPEC.md §8: programmes, pauses,
 * participants and vouchers (staff), and a participant's balance (the customer, staff). Each
 * write is one short transaction in db/allowances-programs.ts, validated before it runs.
 */
export function allowanceRoutes(deps: ApiDeps) {
  const { db } = deps;
  const app = newRouter();
  app.openapi(createProgramRoute, async (c) => {
    const user = c.get('user');
    const id = requestResourceId(c, 'program');
    return c.json(
      await createProgram(db, { id, ...c.req.valid('json'), createdBy: user.sub }),
      201,
    );
  });
  app.openapi(getProgramRoute, async (c) => {
    const program = await findProgram(db, c.req.valid('param').id);
    if (!program) throw new DomainError('not_found', 'No such programme');
    return c.json(program, 200);
  });
  app.openapi(addPauseRoute, async (c) => {
    const user = c.get('user');
    const input = { ...c.req.valid('json'), programId: c.req.valid('param').id };
    const id = requestResourceId(c, 'program-pause');
    return c.json(await addPause(db, { id, ...input, createdBy: user.sub }), 201);
  });
  app.openapi(joinRoute, async (c) => {
    const input = { programId: c.req.valid('param').id, ...c.req.valid('json') };
    return c.json(await joinProgram(db, input), 201);
  });
  app.openapi(voucherRoute, async (c) => {
    const user = c.get('user');
    const { customerId } = c.req.valid('param');
    const voucherId = requestResourceId(c, 'voucher');
    const input = { user, customerId, body: c.req.valid('json'), voucherId };
    return c.json(await giveVoucher(deps, input), 201);
  });
  app.openapi(balanceRoute, async (c) =>
    c.json(await visibleBalance(deps, c.get('user'), c.req.valid('param').customerId), 200),
  );
  return app;
}
