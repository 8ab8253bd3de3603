import type { Usage } from '../src/protocol/messages.js';

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
  if (a.cachedInputTokens !== undefined || b.cachedInputTokens !== undefined) {
    sum.cachedInputTokens = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  }
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined) {
    sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  }
  // What failed attempts consumed is counted apart, so the rest stays what the transcript's messages cost.
  if (a.retried !== undefined || b.retried !== undefined) {
    sum.retried = {
      inputTokens: (a.retried?.inputTokens ?? 0) + (b.retried?.inputTokens ?? 0),
      outputTokens: (a.retried?.outputTokens ?? 0) + (b.retried?.outputTokens ?? 0),
      totalTokens: (a.retried?.totalTokens ?? 0) + (b.retried?.totalTokens ?? 0),
    };
  }
  return sum;
}
