import type { FinishReason, Usage } from '../protocol/messages.js';

/**
 * The provider-neutral stream one model call produces. Every wire protocol
 * adapter maps its chunks onto exactly these parts.
 */
export type ModelEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-start'; blockId: string }
  | { type: 'reasoning-delta'; blockId: string; text: string }
  | {
      type: 'reasoning-end';
      blockId: string;
      signature?: string;
      redactedData?: string;
      providerData?: Record<string, unknown>;
    }
  | { type: 'tool-call-start'; callId: string; name: string }
  | { type: 'tool-call-delta'; callId: string; argumentsDelta: string }
  | { type: 'tool-call-ready'; callId: string; name: string; argumentsText: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; finishReason: FinishReason; rawFinishReason?: string | undefined };
