import { describe, expect, it } from 'vitest';
import type { CatalogueView } from '../../src/catalogue/catalogue-reader.js';
import { emptyCatalogueView } from '../../src/catalogue/catalogue-reader.js';
import { resolveRun } from '../../src/catalogue/resolve-run.js';
import type { CatalogueTool } from '../../src/catalogue/catalogue-document.js';

const tool = (name: string, extra: Partial<CatalogueTool> = {}): CatalogueTool => ({
  name,
  description: name,
  parameters: { type: 'object' },
  source: 'config',
  needsApproval: false,
  retry: 'idempotent',
  ...extra,
});

function view(): CatalogueView {
  const base = emptyCatalogueView('q');
  base.workers = ['w1', 'w2'];
  for (const served of [tool('calculator', { source: 'builtin' }), tool('lookup', { timeoutMs: 5_000 }), tool('docs_search', { source: 'mcp' })]) {
    base.tools.set(served.name, { definition: served, workers: ['w1', 'w2'] });
  }
  base.agents.set('support', {
    definition: { name: 'support', model: 'openai:m1', instructions: 'be kind', tools: ['lookup'], maxSteps: 4, modelSettings: { temperature: 0.2, seed: 3 } },
    workers: ['w1', 'w2'],
  });
  base.conflicts.push({ kind: 'tool', name: 'search', definitions: [{ workers: ['w1'], definition: {} }, { workers: ['w2'], definition: {} }] });
  base.mcpServers.push({ name: 'wiki', transport: 'http', state: 'retrying', tools: 0, attempts: 3, error: 'ECONNREFUSED', worker: 'w1' });
  return base;
}

const defaults = { model: 'demo', maxSteps: 10 };

describe('resolving a run against the catalogue', () => {
  it('applies the agent, the request winning field by field, with per-tool settings from the catalogue', () => {
    const resolved = resolveRun({ input: 'hi', agent: 'support', modelSettings: { temperature: 0.9 }, maxSteps: 2 }, view(), defaults);
    expect(resolved).toEqual({
      ok: true,
      value: {
        agent: 'support',
        model: 'openai:m1',
        instructions: 'be kind',
        tools: ['lookup'],
        maxSteps: 2,
        modelSettings: { temperature: 0.9, seed: 3 },
        toolSettings: { lookup: { timeoutMs: 5_000 } },
      },
    });
  });

  it('gives a bare run every tool served, and the built-in ones while no worker is live', () => {
    expect(resolveRun({ input: 'hi' }, view(), defaults)).toMatchObject({ ok: true, value: { tools: ['calculator', 'lookup', 'docs_search'] } });
    expect(resolveRun({ input: 'hi' }, emptyCatalogueView('q'), defaults)).toEqual({
      ok: true,
      value: { model: 'demo', tools: ['calculator', 'current_time'], maxSteps: 10 },
    });
  });

  it('refuses unknown names (400), names workers disagree on (409), and names while no worker is live (503)', () => {
    const refusal = (request: Parameters<typeof resolveRun>[0], catalogue = view()) => {
      const resolved = resolveRun(request, catalogue, defaults);
      return resolved.ok ? undefined : resolved.refusal;
    };
    expect(refusal({ input: 'hi', agent: 'sales' })).toEqual({ kind: 'invalid', issues: [{ path: 'agent', message: 'unknown agent "sales"; available: support' }] });
    expect(refusal({ input: 'hi', tools: ['wiki_page'] })?.issues[0]?.message).toBe(
      'unknown tool "wiki_page": not served by any live worker on task queue "q" (MCP server "wiki" is retrying: ECONNREFUSED); served: calculator, lookup, docs_search',
    );
    expect(refusal({ input: 'hi', tools: ['search'] })).toMatchObject({ kind: 'conflict', issues: [{ path: 'tools', message: expect.stringContaining('w1 vs w2') }] });
    expect(refusal({ input: 'hi', tools: ['calculator'] }, emptyCatalogueView('q'))).toMatchObject({ kind: 'unavailable', issues: [{ path: 'tools' }] });
    expect(refusal({ input: 'hi', agent: 'support' }, emptyCatalogueView('q'))).toMatchObject({ kind: 'unavailable', issues: [{ path: 'agent' }] });
    expect(refusal({ input: 'hi', agent: 'support', model: 'anthropic:c' })).toMatchObject({
      kind: 'invalid',
      issues: [{ path: 'modelSettings.seed' }],
    });
  });
});
