import { beforeAll, describe, expect, it } from 'vitest';
import { useStack, type TestStack } from '../helpers/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await useStack();
});

/** get fetches `path` from the app (no network) and returns status, media type and body. */
async function get(path: string) {
  const res = await stack.app.request(path);
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    csp: res.headers.get('content-security-policy') ?? '',
    text: await res.text(),
  };
}

/** referencesOf lists every `src` and `href` of an HTML page, in order. */
function referencesOf(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
}

describe('GET /docs works without internet (Swagger UI from swagger-ui-dist, SPEC.md §9)', () => {
  it('then the page answers 200 as HTML and references only paths on its own origin', async () => {
    const page = await get('/docs');

    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    const references = referencesOf(page.text);
    expect(references.length).toBeGreaterThanOrEqual(3);
    for (const reference of references) expect(reference).toMatch(/^\/docs\/[\w.-]+$/);
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.csp).toContain("script-src 'self'");
  });

  it('then every asset the page references answers 200 with its media type', async () => {
    const expected: Record<string, RegExp> = {
      css: /^text\/css/,
      js: /^text\/javascript/,
      png: /^image\/png/,
    };

    for (const reference of referencesOf((await get('/docs')).text)) {
      const asset = await get(reference);
      const extension = reference.split('.').at(-1)!;

      expect(asset.status, reference).toBe(200);
      expect(asset.contentType, reference).toMatch(expected[extension]!);
      expect(asset.text.length, reference).toBeGreaterThan(0);
    }
  });

  it('then the initializer loads /openapi.json from the same origin, and that answers', async () => {
    const initializer = await get('/docs/swagger-initializer.js');
    const spec = await get('/openapi.json');

    expect(initializer.text).toContain("url: '/openapi.json'");
    expect(initializer.text).not.toMatch(/https?:\/\//);
    expect(spec.status).toBe(200);
    expect(JSON.parse(spec.text)).toHaveProperty('paths');
  });
});
