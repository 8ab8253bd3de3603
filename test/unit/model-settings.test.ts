import { describe, expect, it } from 'vitest';
import { mergeModelSettings, modelSettingsIssues, modelSettingsSchema } from '../../src/runs/model-settings.js';
import { createRunRequestSchema, issuesOf } from '../../src/runs/run-request.js';
import { mcpToolName, isToolName } from '../../src/tools/tool-name.js';

describe('model settings', () => {
  it('bounds each field and names it', () => {
    const rejected = createRunRequestSchema.safeParse({ input: 'hi', modelSettings: { temperature: 7 } });
    expect(rejected.success || issuesOf(rejected.error)).toEqual([{ path: 'modelSettings.temperature', message: 'temperature must be at most 2' }]);
    for (const [settings, path] of [
      [{ topP: 0 }, 'topP'],
      [{ maxOutputTokens: 1.5 }, 'maxOutputTokens'],
      [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ stop: [''] }, 'stop.0'],
      [{ seed: -1 }, 'seed'],
      [{ temperture: 1 }, ''],
    ] as const) {
      const parsed = modelSettingsSchema.safeParse(settings);
      expect(parsed.success, JSON.stringify(settings)).toBe(false);
      expect(parsed.error?.issues[0]?.path.join('.')).toBe(path);
    }
    expect(modelSettingsSchema.parse({ temperature: 0, topP: 1, maxOutputTokens: 1, stop: ['END'], seed: 42 })).toEqual({
      temperature: 0,
      topP: 1,
      maxOutputTokens: 1,
      stop: ['END'],
      seed: 42,
    });
  });

  it('refuses what the chosen protocol cannot take, before anything starts', () => {
    expect(modelSettingsIssues('openai:gpt-x', { stop: ['x'], seed: 1, temperature: 2 })).toEqual([]);
    expect(modelSettingsIssues('openai-responses:gpt-x', { stop: ['x'], seed: 1 }).map((issue) => issue.path)).toEqual([
      'modelSettings.stop',
      'modelSettings.seed',
    ]);
    expect(modelSettingsIssues('anthropic:claude-x', { temperature: 1.5, stop: ['x'] })).toEqual([
      { path: 'modelSettings.temperature', message: 'temperature must be at most 1 for Anthropic models (model anthropic:claude-x)' },
    ]);
  });

  it('a request overrides its agent field by field', () => {
    expect(mergeModelSettings({ temperature: 0.2, maxOutputTokens: 100 }, { temperature: 0.9 })).toEqual({ temperature: 0.9, maxOutputTokens: 100 });
    expect(mergeModelSettings(undefined, { seed: 1 })).toEqual({ seed: 1 });
    expect(mergeModelSettings({ seed: 1 }, undefined)).toEqual({ seed: 1 });
  });
});

describe('MCP tool names', () => {
  it('keep <server>_<tool> when it fits the providers\' rule', () => {
    expect(mcpToolName('docs', 'search')).toBe('docs_search');
  });

  it('shorten long or odd names deterministically, within 64 characters, without collisions', () => {
    const long = `search_${'x'.repeat(80)}`;
    const name = mcpToolName('docs', long);
    expect(name).toHaveLength(64);
    expect(isToolName(name)).toBe(true);
    expect(name.startsWith('docs_search_xxx')).toBe(true);
    expect(mcpToolName('docs', long)).toBe(name);
    expect(mcpToolName('docs', `${long}y`)).not.toBe(name);
    const dotted = mcpToolName('docs', 'files.read');
    expect(isToolName(dotted)).toBe(true);
    expect(dotted).toMatch(/^docs_files_read_[0-9a-f]{8}$/);
    expect(mcpToolName('docs', 'files_read')).toBe('docs_files_read');
  });
});
