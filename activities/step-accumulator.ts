import type { AssistantMessage, FinishReason, ReasoningBlock, ToolCall, Usage } from '../src/protocol/messages.js';
import type { ModelEvent } from '../src/providers/model-events.js';
import { parseJsonSafely } from '../src/providers/parse-json.js';

/** Folds a step's model events into the complete assistant message. */
export class StepAccumulator {
  text: string;
  readonly reasoning: ReasoningBlock[];
  readonly toolCalls: ToolCall[];
  usage: Usage | undefined;
  finishReason: FinishReason = 'other';
  rawFinishReason: string | undefined;
  private readonly openReasoning = new Map<string, ReasoningBlock>();

  constructor(start: { text?: string; reasoning?: ReasoningBlock[]; toolCalls?: ToolCall[] } = {}) {
    this.text = start.text ?? '';
    this.reasoning = [...(start.reasoning ?? [])];
    this.toolCalls = [...(start.toolCalls ?? [])];
  }

  /** A reasoning block has started and not ended: a checkpoint of it cannot be continued exactly. */
  get hasOpenReasoning(): boolean {
    return this.openReasoning.size > 0;
  }

  apply(event: ModelEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.text += event.text;
        break;
      case 'reasoning-start': {
        const block: ReasoningBlock = { blockId: event.blockId, text: '' };
        this.openReasoning.set(event.blockId, block);
        this.reasoning.push(block);
        break;
      }
      case 'reasoning-delta': {
        const block = this.openReasoning.get(event.blockId);
        if (block) block.text += event.text;
        break;
      }
      case 'reasoning-end': {
        const block = this.openReasoning.get(event.blockId);
        if (block) {
          if (event.signature !== undefined) block.signature = event.signature;
          if (event.redactedData !== undefined) block.redactedData = event.redactedData;
          if (event.providerData !== undefined) block.providerData = event.providerData;
          this.openReasoning.delete(event.blockId);
        }
        break;
      }
      case 'tool-call-start':
      case 'tool-call-delta':
        break;
      case 'tool-call-ready':
        this.toolCalls.push(parseToolCall(event.callId, event.name, event.argumentsText));
        break;
      case 'usage':
        this.usage = event.usage;
        break;
      case 'finish':
        this.finishReason = event.finishReason;
        this.rawFinishReason = event.rawFinishReason;
        break;
    }
  }

  message(interrupted = false): AssistantMessage {
    return {
      role: 'assistant',
      content: this.text,
      ...(this.reasoning.length ? { reasoning: this.reasoning } : {}),
      ...(this.toolCalls.length ? { toolCalls: this.toolCalls } : {}),
      ...(interrupted ? { interrupted: true } : {}),
    };
  }
}

/** Empty arguments mean `{}`; text that is not JSON is kept raw so the tool call can report it. */
export function parseToolCall(callId: string, name: string, argumentsText: string): ToolCall {
  if (argumentsText.trim() === '') return { callId, name, arguments: {} };
  const parsed = parseJsonSafely(argumentsText);
  return parsed.ok ? { callId, name, arguments: parsed.value } : { callId, name, arguments: null, argumentsText };
}
