import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../config';
import { CustomerIdKey } from '../domain/search-attributes';
import { parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run ui:check -- [--ui http://127.0.0.1:8233] [--customer <uuid>] [--out ui-check]
  Opens the Temporal Web UI of the dev stack in headless Chromium (CHROMIUM_PATH, default
  /usr/bin/chromium: apt-get install chromium), lists the workflows an operator looks for after
  'npm run demo' (expired orders; one customer's workflows; that customer's expired orders),
  writes a screenshot of each list into --out, and exits 1 when a list is empty. Without
  --customer it takes the customer of an expired order (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE).`;

/** ROWS_TIMEOUT_MS bounds the wait for a list's rows (the UI polls visibility). */
const ROWS_TIMEOUT_MS = 20_000;

/** CHROMIUM_ARGS run Debian's Chromium headless on a machine without a sandbox or network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** ListCheck is one filtered list: its name (the screenshot's file) and its visibility query. */
interface ListCheck {
  name: string;
  query: string;
}

/** ListResult is what a list showed: how many rows and where its screenshot is. */
interface ListResult extends ListCheck {
  rows: number;
  screenshot: string;
}

/**
 * expiredOrderCustomer finds the CustomerId of a workflow whose OrderStatus is "expired", through
 * Temporal's visibility. @throws Error when there is none (run the demo first).
 */
async function expiredOrderCustomer(address: string, namespace: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    for await (const workflow of client.workflow.list({ query: 'OrderStatus = "expired"' })) {
      const customerId = workflow.typedSearchAttributes.get(CustomerIdKey);
      if (customerId) return customerId;
    }
  } finally {
    await connection.close();
  }
  throw new Error('no order has expired yet: run the demo (ORDER_PAYMENT_TTL=30s npm run dev)');
}

/** checkList opens one filtered list, waits for its rows, screenshots it and counts them. */
async function checkList(
  page: Page,
  where: { ui: string; namespace: string; out: string },
  check: ListCheck,
): Promise<ListResult> {
  const { ui, namespace, out } = where;
  const url = `${ui}/namespaces/${namespace}/workflows?query=${encodeURIComponent(check.query)}`;
  await page.goto(url, { waitUntil: 'networkidle' });
  const rows = page.locator('[data-testid="workflows-summary-configurable-table-row"]');
  await rows
    .first()
    .waitFor({ timeout: ROWS_TIMEOUT_MS })
    .catch(() => undefined);
  const screenshot = path.join(out, `${check.name}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  return { ...check, rows: await rows.count(), screenshot };
}

/** parseOptions reads the command line; see USAGE. Exits 0 for --help and 2 when it is bad. */
function parseOptions() {
  const { values } = parseCli(USAGE, {
    options: { ui: { type: 'string' }, customer: { type: 'string' }, out: { type: 'string' } },
  });
  return {
    ui: values.ui ?? 'http://127.0.0.1:8233',
    customer: values.customer,
    out: values.out ?? 'ui-check',
  };
}

/** `npm run ui:check`: see USAGE. */
async function main(): Promise<void> {
  const options = parseOptions();
  const config = loadConfig();
  const namespace = config.temporalNamespace;
  const customer =
    options.customer ?? (await expiredOrderCustomer(config.temporalAddress, namespace));
  const checks: ListCheck[] = [
    { name: 'expired-orders', query: 'OrderStatus = "expired"' },
    { name: 'customer', query: `CustomerId = "${customer}"` },
    { name: 'customer-expired', query: `CustomerId = "${customer}" AND OrderStatus = "expired"` },
  ];
  await mkdir(options.out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const results: ListResult[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    for (const check of checks)
      results.push(await checkList(page, { ...options, namespace }, check));
  } finally {
    await browser.close();
  }
  for (const r of results)
    console.log(`${r.rows > 0 ? 'ok   ' : 'EMPTY'} ${r.query}: ${r.rows} rows → ${r.screenshot}`);
  if (results.some((r) => r.rows === 0)) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
