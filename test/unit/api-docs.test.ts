import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runEventTypes } from '../../src/protocol/index.js';
import { apiErrorTypes } from '../../src/server/api-error.js';
import { createApi, type ApiDependencies } from '../../src/server/app.js';
import { ViewerTokens } from '../../src/server/viewer-token.js';

// Registering routes touches none of the services: only the auth pieces are real.
const deps = { runs: {}, threads: {}, catalogue: {}, log: {}, live: {}, apiKeys: { identify: () => undefined }, viewerTokens: new ViewerTokens('secret') } as unknown as ApiDependencies;

/** docs/api.md is written by hand: this keeps it naming everything the API has. */
describe('docs/api.md', () => {
  const text = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

  it('names every route the app registers, as `METHOD /path`', () => {
    const missing = createApi(deps).routes.routes.map((route) => `${route.method} ${route.path}`).filter((route) => !text.includes(`\`${route}`) && !text.includes(` ${route}\``));
    expect(missing).toEqual([]);
  });

  it('names every event type of the protocol and every error type with its status', () => {
    expect(runEventTypes.filter((type) => !text.includes(`| \`${type}\` |`))).toEqual([]);
    expect(Object.entries(apiErrorTypes).filter(([type, status]) => !text.includes(`| ${status} | \`${type}\` |`))).toEqual([]);
  });

  it('the README links to it and to nothing outside the repository', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('](docs/api.md)');
    expect(readme).not.toMatch(/\.\.\/shared|API\.md's/);
  });
});
