import net from 'node:net';
import type { Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toProblem } from '../../api/middleware/errors';
import { createDb } from '../../db/connection';
import { createLogger } from '../../lib/logger';

/*
 * A PostgreSQL that shuts down while a connection is being made (found by `npm run chaos`: the
 * API process died on a fast restart of PostgreSQL). The fake server below accepts the startup,
 * then in the same chunk ends the connecting (ReadyForQuery) and terminates the session (FATAL
 * 57P01), as a shutting-down server can: pg emits `error` before Sequelize has a listener.
 */

/** message frames one backend message: type byte, int32 length, body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'ascii');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** TERMINATED is AuthenticationOk, ReadyForQuery and FATAL 57P01, all in one chunk. */
const TERMINATED = Buffer.concat([
  message('R', Buffer.from([0, 0, 0, 0])),
  message('Z', Buffer.from('I')),
  message(
    'E',
    Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0'),
  ),
]);

let server: net.Server;
let port: number;

beforeAll(async () => {
  server = net.createServer((socket) => {
    socket.once('data', () => socket.end(TERMINATED));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a connection that PostgreSQL terminates as it is made', () => {
  it('when the session ends in the chunk that finishes connecting, then the query fails, the API answers 503, and the process lives on', async () => {
    const db = createDb({
      databaseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/holdfast`,
      dbPoolMax: 1,
      dbLockTimeoutMs: 1_000,
      dbStatementTimeoutMs: 1_000,
    });

    const failed = await db.sequelize.query('SELECT 1').then(
      () => undefined,
      (err: Error) => err,
    );
    await db.sequelize.close();

    expect(failed).toBeInstanceOf(Error);
    const noContext = { get: () => undefined } as unknown as Context;
    expect(toProblem(failed, noContext, createLogger({ level: 'silent' })).status).toBe(503);
  });
});
