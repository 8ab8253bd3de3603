import { describe, expect, it } from 'vitest';
import { RunRenderer } from '../../../src/cli/render-run.js';
import type { RunEventInput } from '../../../src/protocol/index.js';

function render(events: RunEventInput[]) {
  let stdout = '';
  let stderr = '';
  const renderer = new RunRenderer({ stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), interactive: false });
  for (const event of events) renderer.handle({ ...event, runId: 'run_1', at: '2026-01-01T00:00:00.000Z' } as Parameters<RunRenderer['handle']>[0]);
  renderer.stopSpinner();
  return { stdout, stderr };
}

describe('RunRenderer', () => {
  it('prints each character once when a resumed step repeats what was printed', () => {
    const { stdout, stderr } = render([
      { type: 'step.started', step: 1 },
      { type: 'text.delta', step: 1, offset: 0, text: 'Hello, ' },
      { type: 'text.delta', step: 1, offset: 7, text: 'wor' },
      { type: 'step.resumed', step: 1, offset: 7, attempt: 2 },
      { type: 'text.delta', step: 1, offset: 7, text: 'world' },
      { type: 'text.delta', step: 1, offset: 7, text: 'world' },
      { type: 'text.delta', step: 1, offset: 12, text: '!' },
    ]);
    expect(stdout).toBe('Hello, world!');
    expect(stderr).toContain('resumed (attempt 2) at character 7');
  });

  it('says so when the resumed text differs from what was printed', () => {
    const { stdout, stderr } = render([
      { type: 'step.started', step: 1 },
      { type: 'text.delta', step: 1, offset: 0, text: 'Hello' },
      { type: 'step.resumed', step: 1, offset: 0, attempt: 2 },
      { type: 'text.delta', step: 1, offset: 0, text: 'Howdy' },
    ]);
    expect(stdout).toBe('HelloHowdy');
    expect(stderr).toContain('differs from what was printed');
  });

  it('counts the reasoning a resume takes back', () => {
    const { stderr } = render([
      { type: 'step.started', step: 1 },
      { type: 'reasoning.delta', step: 1, blockId: 'r1', text: 'abcdef' },
      { type: 'step.resumed', step: 1, offset: 0, attempt: 2, reasoning: [{ blockId: 'r1', length: 2 }] },
    ]);
    expect(stderr).toContain('(4 characters of reasoning above are taken back)');
  });

  it('says why a step failed and when it is retried, and how long the run took', () => {
    const { stderr } = render([
      { type: 'step.started', step: 1, attempt: 1 },
      { type: 'step.retrying', step: 1, attempt: 2, delayMs: 4_000, error: { type: 'ProviderError.rate_limit', message: 'Rate limit reached', retryable: true } },
      { type: 'run.failed', error: { type: 'ProviderError.auth', message: 'no', retryable: false }, durationMs: 12_345 },
    ]);
    expect(stderr).toContain('↻ step 1 failed (ProviderError.rate_limit: Rate limit reached); attempt 2 in 4.0 s\n');
    expect(stderr).toContain('✗ failed · ProviderError.auth: no · 12 s\n');
  });

  it('says how to go on when a budget limit ended the run', () => {
    const { stderr } = render([
      { type: 'step.started', step: 1 },
      {
        type: 'run.failed',
        error: { type: 'BudgetExceededError', message: 'the run reached its budget', retryable: false, limit: 'maxToolCalls', used: 3, max: 2 },
        durationMs: 1_000,
      },
    ]);
    expect(stderr).toMatch(/go on with: runstream resume \S+ --budget-max-tool-calls <more than 2>\n/);
  });
});
