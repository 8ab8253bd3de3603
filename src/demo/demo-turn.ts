import { demoJsonFor } from './demo-json.js';
import { matchingTools } from './demo-tool-choice.js';
import type { ScriptedTurn } from './script.js';

export interface ConversationView {
  lastUser: string;
  /** Texts of the messages before the last user message, in order (Chat Completions), for tests of multi-turn threads. */
  earlier?: string[];
  /** Tool results that came after the last user message, in order. */
  toolResults: { name: string; content: string }[];
  toolNames: string[];
  /** Each tool's JSON Schema parameters, where the protocol module reads them (Chat Completions). */
  toolParameters?: Record<string, Record<string, unknown>> | undefined;
  /** The JSON Schema of a requested structured answer (OpenAI protocols), if any. */
  outputSchema?: Record<string, unknown> | undefined;
}

const expressionPattern = /[-+(]*\d[\d.\s]*(?:[-+*/%^()][\s(]*[-+]?[\d.]+[\s)]*)+/;

/**
 * The demo model's scripted agent turn: it calls a tool when the prompt asks
 * for arithmetic or the time, then streams an answer built from the result.
 * Deterministic for a given conversation, so a regenerated step says the same.
 */
export function demoTurn(view: ConversationView): ScriptedTurn {
  const expression = view.lastUser.match(expressionPattern)?.[0]?.trim();
  const wantsTime = /\b(time|date|today|clock)\b/i.test(view.lastUser);

  if (view.toolResults.length === 0) {
    if (expression && view.toolNames.includes('calculator')) {
      return {
        reasoning: `The user asks for ${expression}. I will use the calculator rather than guess.`,
        text: 'Let me work that out with the calculator.',
        toolCalls: [{ name: 'calculator', arguments: { expression } }],
        delayMs: 25,
      };
    }
    if (wantsTime && view.toolNames.includes('current_time')) {
      return { text: 'Let me check the clock.', toolCalls: [{ name: 'current_time', arguments: {} }], delayMs: 25 };
    }
    const own = view.toolNames.filter((name) => name !== 'calculator' && name !== 'current_time');
    const calls = matchingTools(view.lastUser, own.map((name) => ({ name, parameters: view.toolParameters?.[name] })));
    if (calls.length > 0) {
      return { text: `Let me ask ${calls.map((call) => call.name).join(' and ')}.`, toolCalls: calls, delayMs: 25 };
    }
  }

  const findings = view.toolResults.map((result) => describeResult(result.name, result.content));
  const answer = findings.length
    ? `${findings.join(' ')} That is the answer, computed by a tool call that ran as a durable Temporal activity, while every token reached you live through Redis.`
    : `You asked: "${view.lastUser.slice(0, 200)}". I am runstream's demo model, a local server that speaks the OpenAI streaming protocol, so this run needs no API key. ` +
      'Each model step is a Temporal activity whose tokens stream through a Redis log to every viewer; if the worker dies mid-sentence, the run resumes from its last checkpoint. ' +
      'Set OPENAI_API_KEY or ANTHROPIC_API_KEY to talk to a real model, and try a prompt with arithmetic, like "What is (17+25)*3?", to see a tool call.';
  if (view.outputSchema) {
    // Asked for structured output: the same answer, shaped by the schema (best effort, see demo-json.ts).
    const computed = view.toolResults.map((result) => numberIn(result.content)).find((value) => value !== undefined);
    const json = demoJsonFor(view.outputSchema, { answer: findings.length ? findings.join(' ') : answer, number: computed });
    return { text: JSON.stringify(json), delayMs: 25 };
  }
  return { text: answer, delayMs: 25 };
}

function numberIn(content: string): number | undefined {
  try {
    const value = JSON.parse(content) as unknown;
    if (typeof value === 'object' && value !== null && 'result' in value && typeof value.result === 'number') return value.result;
  } catch {
    // plain-text result
  }
  return undefined;
}

function describeResult(name: string, content: string): string {
  try {
    const value = JSON.parse(content) as Record<string, unknown>;
    if (name === 'calculator' && 'result' in value) return `${String(value.expression)} = ${String(value.result)}.`;
    if (name === 'current_time' && 'local' in value) return `It is ${String(value.local)}.`;
    if ('error' in value) return `The ${name} tool reported an error: ${String(value.error)}.`;
  } catch {
    // plain-text result
  }
  return `The ${name} tool returned ${content.slice(0, 200)}.`;
}
