import { Umzug, SequelizeStorage } from 'umzug';
import type { Sequelize } from 'sequelize';
import * as m0001 from './migrations/0001_foundation';
import * as m0002 from './migrations/0002_payments';
import * as m0003 from './migrations/0003_bookings';
import * as m0004 from './migrations/0004_payment_requests';
import * as m0005 from './migrations/0005_order_gate';
import * as m0006 from './migrations/0006_write_limits';
import * as m0008 from './migrations/0008_number_range';
import * as m0009 from './migrations/0009_read_paths';
import * as m0010 from './migrations/0010_events';
import * as m0011 from './migrations/0011_webhooks';

/**
 * MIGRATIONS lists every migration in order. They are imported statically (not globbed) so the
 * list is the same under tsx, vitest and a bundler.
 */
const MIGRATIONS = [
  { name: '0001_foundation', module: m0001 },
  { name: '0002_payments', module: m0002 },
  { name: '0003_bookings', module: m0003 },
  { name: '0004_payment_requests', module: m0004 },
  { name: '0005_order_gate', module: m0005 },
  { name: '0006_write_limits', module: m0006 },
  { name: '0008_number_range', module: m0008 },
  { name: '0009_read_paths', module: m0009 },
  { name: '0010_events', module: m0010 },
  { name: '0011_webhooks', module: m0011 },
];

/**
 * migrate applies every pending umzug migration, recording them in `SequelizeMeta`. Run it
 * from one process (the dev script, the test setup or `npm run migrate` as a deploy step),
 * never from every replica at once.
 * @returns the names of the migrations it applied.
 */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  const umzug = new Umzug({
    migrations: MIGRATIONS.map(({ name, module }) => ({
      name,
      up: module.up,
      down: module.down,
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize }),
    logger: undefined,
  });
  const applied = await umzug.up();
  return applied.map((m) => m.name);
}
