import type { FinishReason, Message, Usage } from '../src/messages.js';
import type { StreamTimeouts } from '../src/providers/language-model.js';

/** Workflow input: plain JSON, no secrets (keys live in the worker's environment). */
export interface AgentRunInput {
  model: string;
  instructions?: string;
  /** The transcript so far; a new run starts with the user's messages. */
  messages: Message[];
  tools: string[];
  maxSteps: number;
  timeouts?: Partial<StreamTimeouts>;
  /** Set when a run continues as new: what earlier runs of this workflow already did. */
  carried?: { steps: number; usage: Usage; lastFinishReason: FinishReason };
}
