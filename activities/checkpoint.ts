import { z } from 'zod';
import { keptReasoningSchema, type KeptReasoning } from '../src/protocol/index.js';
import { reasoningBlockSchema, retriedUsageSchema, toolCallSchema } from '../src/protocol/messages.js';
import type { StepAccumulator } from './step-accumulator.js';

/**
 * A model step's partial message as heartbeat details (DESIGN invariant 3).
 * Heartbeat details are server state of the pending activity, not history, so
 * they may change every second without growing the run's history; still,
 * Temporal stores and replicates every one it receives, so while the run's
 * log is known to hold the text a checkpoint refers to it (`loggedLength`,
 * `lastLogId`) and carries only the `tail` the log has not confirmed yet; the
 * whole `text` only while the log cannot be trusted (log-trust.ts). A step
 * that ends without completing (failure or cancellation details) carries the
 * whole text into history; a `last_heartbeat_details` by reference is read
 * back from the log by the workflow (recover-step.ts).
 */
export const stepCheckpointSchema = z.object({
  version: z.literal(1),
  /** UTF-16 length of the step's text when the checkpoint was taken. */
  textLength: z.number().int().nonnegative(),
  /** The text itself, while the log cannot be trusted; left out past the size bound (the log may hold it up to `loggedLength`). */
  text: z.string().optional(),
  /** By reference: the text from `loggedLength` on (not yet confirmed in the log); the log holds the rest. */
  tail: z.string().optional(),
  /** Characters of the text whose deltas are known to be in the run's log, contiguously from 0. */
  loggedLength: z.number().int().nonnegative(),
  /** Log id of the last event this attempt appended when the checkpoint was taken. */
  lastLogId: z.string().optional(),
  reasoning: z.array(reasoningBlockSchema).optional(),
  /** How much of each reasoning block is known to be in the run's log (as `loggedLength` for text). */
  loggedReasoning: z.array(keptReasoningSchema).optional(),
  /** Only complete tool calls (arguments fully received) are ever checkpointed. */
  toolCalls: z.array(toolCallSchema).optional(),
  /** Reasoning was open or too large to keep: a continuation cannot be exact, regenerate. */
  reasoningIncomplete: z.boolean().optional(),
  /**
   * Tokens this step's attempts consumed so far (the earlier failed ones and this one), so the attempt after a
   * failure counts them as `usage.retried`: the provider bills them although their output is discarded.
   */
  spent: retriedUsageSchema.optional(),
});
export type StepCheckpoint = z.infer<typeof stepCheckpointSchema>;

export interface CheckpointSettings {
  /** Longest time between two checkpoints while the step produces output. */
  intervalMs: number;
  /** New characters (text, reasoning, tool arguments) that force a checkpoint sooner. */
  intervalChars: number;
  /** Past this many characters of text (or of a tail), checkpoints carry offsets only and resume reads the log. */
  maxTextChars: number;
  /** Past this many characters of reasoning, reasoning is left out and resume regenerates. */
  maxReasoningChars: number;
}

export const defaultCheckpointSettings: CheckpointSettings = {
  intervalMs: 1_000,
  intervalChars: 2_048,
  maxTextChars: 128 * 1024,
  maxReasoningChars: 64 * 1024,
};

/** What a retried attempt starts from when its predecessor died before its first checkpoint: the log says what it holds. */
export const nothingCheckpointed: StepCheckpoint = { version: 1, textLength: 0, loggedLength: 0 };

/** Reads a previous attempt's checkpoint; anything unrecognised means "none" (regenerate). */
export function readCheckpoint(details: unknown): StepCheckpoint | undefined {
  const parsed = stepCheckpointSchema.safeParse(details);
  return parsed.success ? parsed.data : undefined;
}

/**
 * `byReference`: the log is trusted to hold the text up to `loggedLength`, so
 * the checkpoint carries only the rest (`tail`); otherwise the whole text.
 */
export function takeCheckpoint(
  accumulated: StepAccumulator,
  logged: { loggedLength: number; lastLogId: string | undefined; loggedReasoning?: KeptReasoning[]; byReference?: boolean },
  settings: CheckpointSettings,
): StepCheckpoint {
  const reasoningChars = accumulated.reasoning.reduce((sum, block) => sum + block.text.length, 0);
  const keepReasoning = reasoningChars <= settings.maxReasoningChars;
  const loggedReasoning = (logged.loggedReasoning ?? []).flatMap(({ blockId, length }) => {
    const block = accumulated.reasoning.find((candidate) => candidate.blockId === blockId);
    return block ? [{ blockId, length: Math.min(length, block.text.length) }] : [];
  });
  const loggedLength = Math.min(logged.loggedLength, accumulated.text.length);
  const tail = accumulated.text.slice(loggedLength);
  const text = logged.byReference
    ? tail.length <= settings.maxTextChars ? { tail } : {}
    : accumulated.text.length <= settings.maxTextChars ? { text: accumulated.text } : {};
  return {
    version: 1,
    textLength: accumulated.text.length,
    ...text,
    loggedLength,
    lastLogId: logged.lastLogId,
    ...(keepReasoning && accumulated.reasoning.length ? { reasoning: accumulated.reasoning.map((block) => ({ ...block })) } : {}),
    ...(keepReasoning && loggedReasoning.length ? { loggedReasoning } : {}),
    ...(accumulated.toolCalls.length ? { toolCalls: [...accumulated.toolCalls] } : {}),
    ...(!keepReasoning || accumulated.hasOpenReasoning ? { reasoningIncomplete: true } : {}),
  };
}

/**
 * Which part of the step's text and reasoning is in the run's log: the
 * longest prefix of the step's deltas that were all appended. A delta shed
 * during an outage stops the prefix, so a resume never rolls viewers back to
 * text or reasoning they were not shown.
 */
export class LoggedText {
  private readonly pending: { seq: number; end: number; blockId?: string }[] = [];
  private length = 0;
  private readonly reasoningLengths = new Map<string, number>();
  private blocked = false;

  constructor(start = 0, reasoning: KeptReasoning[] = []) {
    this.length = start;
    for (const block of reasoning) this.reasoningLengths.set(block.blockId, block.length);
  }

  /** A text delta ending at `end` characters was published as sequence number `seq`. */
  published(seq: number, end: number): void {
    this.pending.push({ seq, end });
  }

  /** A reasoning delta that brings block `blockId` to `end` characters was published as `seq`. */
  publishedReasoning(seq: number, blockId: string, end: number): void {
    this.pending.push({ seq, end, blockId });
  }

  /** Reasoning blocks known to be in the log, in order, as of the last `update`. */
  get reasoning(): KeptReasoning[] {
    return [...this.reasoningLengths].map(([blockId, length]) => ({ blockId, length }));
  }

  /** Advances over the deltas the publisher reports appended (`appendedSeq`), stopping at a shed one. */
  update(appendedSeq: number, firstDroppedSeq: number | undefined): number {
    while (!this.blocked && this.pending.length > 0) {
      const head = this.pending[0]!;
      if (firstDroppedSeq !== undefined && head.seq >= firstDroppedSeq) {
        this.blocked = true;
        break;
      }
      if (head.seq > appendedSeq) break;
      if (head.blockId === undefined) this.length = head.end;
      else this.reasoningLengths.set(head.blockId, head.end);
      this.pending.shift();
    }
    return this.length;
  }
}
