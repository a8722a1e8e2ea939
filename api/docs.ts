import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './router';

/*
 * GET /docs: Swagger UI over /openapi.json, served entirely from this API's own origin. The UI
 * is the `swagger-ui-dist` package (pinned in package.json), so /docs works without internet
 * and runs no script from a third party. The page has no inline script (the initializer is a
 * file of its own), so a strict Content-Security-Policy holds.
 */

/** DOCS_PATH is where the UI is served; its assets live under it. */
export const DOCS_PATH = '/docs';

/** OPENAPI_PATH is the document the UI shows. */
export const OPENAPI_PATH = '/openapi.json';

/**
 * DOCS_ASSETS are the files of swagger-ui-dist /docs serves, by the name they have under
 * DOCS_PATH, with their media type.
 */
const DOCS_ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;

type AssetName = keyof typeof DOCS_ASSETS;

/**
 * INITIALIZER starts Swagger UI on OPENAPI_PATH. `validatorUrl: null` keeps it from loading
 * the public validator's badge (a request to another host on every page view).
 */
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${OPENAPI_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>holdfast API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/swagger-initializer.js"></script>
  </body>
</html>
`;

/**
 * DOCS_CSP lets the page load only this origin's scripts, styles, images (and the `data:`
 * images Swagger UI's stylesheet embeds) and fetch only from this origin. Inline styles are
 * allowed: Swagger UI sets style attributes as it renders.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** ASSET_CACHE_CONTROL lets browsers keep an asset for an hour: they change only on upgrade. */
const ASSET_CACHE_CONTROL = 'public, max-age=3600';

/** swaggerUiDistDir is the folder of the installed swagger-ui-dist package. */
function swaggerUiDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

const assetCache = new Map<AssetName, Promise<Buffer>>();

/** readAsset reads one swagger-ui-dist file once per process (the bundle is about 1.5 MB). */
function readAsset(name: AssetName): Promise<Buffer> {
  let content = assetCache.get(name);
  if (!content) {
    content = readFile(path.join(swaggerUiDistDir(), name));
    // A failed read is not kept: the next request tries again.
    void content.catch(() => assetCache.delete(name));
    assetCache.set(name, content);
  }
  return content;
}

/**
 * mountDocs serves GET DOCS_PATH (the page), DOCS_PATH/swagger-initializer.js and the
 * DOCS_ASSETS on `app`, each with its media type.
 */
export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.get(DOCS_PATH, (c) =>
    c.html(PAGE, 200, { 'content-security-policy': DOCS_CSP, 'cache-control': 'no-cache' }),
  );
  app.get(`${DOCS_PATH}/swagger-initializer.js`, (c) =>
    c.body(INITIALIZER, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': ASSET_CACHE_CONTROL,
    }),
  );
  for (const [name, contentType] of Object.entries(DOCS_ASSETS) as [AssetName, string][]) {
    app.get(`${DOCS_PATH}/${name}`, async (c) =>
      c.body(new Uint8Array(await readAsset(name)), 200, {
        'content-type': contentType,
        'cache-control': ASSET_CACHE_CONTROL,
      }),
    );
  }
}
