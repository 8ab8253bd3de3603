import type { Message, RetriedUsage, Usage } from '../src/protocol/messages.js';

/** The usual rough rate when a provider has not (yet) said: about four characters a token. */
export const charsPerToken = 4;

export const estimateTokens = (chars: number) => Math.ceil(chars / charsPerToken);

const noTokens = (): RetriedUsage => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

export const addRetried = (a: RetriedUsage | undefined, b: RetriedUsage): RetriedUsage => ({
  inputTokens: (a?.inputTokens ?? 0) + b.inputTokens,
  outputTokens: (a?.outputTokens ?? 0) + b.outputTokens,
  totalTokens: (a?.totalTokens ?? 0) + b.totalTokens,
});

/**
 * What one model step has consumed, across its attempts: the earlier attempts'
 * tokens (from the checkpoint they heartbeated) plus this attempt's, by the
 * provider's usage when it was streamed, else estimated from the characters
 * received and the prompt's size. Used for `usage.retried` and to stop the
 * stream at the run's output-token allowance.
 */
export class StepSpending {
  private streamedChars = 0;
  private answered = false;
  private reported: Usage | undefined;
  private promptTokens: number | undefined;

  constructor(
    /** What the step's earlier (failed) attempts consumed. */
    readonly earlier: RetriedUsage | undefined,
    private readonly prompt: { instructions?: string | undefined; messages: Message[] },
  ) {}

  /** The provider answered with a stream: from here on the prompt is paid for. */
  received(outputChars: number): void {
    this.answered = true;
    this.streamedChars += outputChars;
  }

  providerUsage(usage: Usage): void {
    this.reported = usage;
  }

  /** Output tokens of this attempt so far. */
  get attemptOutputTokens(): number {
    return this.reported?.outputTokens ?? estimateTokens(this.streamedChars);
  }

  /** Characters this attempt streamed (text, reasoning, tool arguments). */
  get attemptChars(): number {
    return this.streamedChars;
  }

  /** Output tokens of the whole step so far, with the earlier attempts'. */
  get stepOutputTokens(): number {
    return (this.earlier?.outputTokens ?? 0) + this.attemptOutputTokens;
  }

  /** This attempt's tokens: the provider's count, an estimate, or none when the provider never answered. */
  attempt(): RetriedUsage {
    if (this.reported) return { inputTokens: this.reported.inputTokens, outputTokens: this.reported.outputTokens, totalTokens: this.reported.totalTokens };
    if (!this.answered) return noTokens();
    const inputTokens = this.estimatePrompt();
    const outputTokens = this.attemptOutputTokens;
    return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  }

  /** Every attempt's tokens so far, for the checkpoint; undefined while nothing was consumed. */
  total(): RetriedUsage | undefined {
    const total = addRetried(this.earlier, this.attempt());
    return total.totalTokens > 0 ? total : undefined;
  }

  private estimatePrompt(): number {
    this.promptTokens ??= estimateTokens((this.prompt.instructions?.length ?? 0) + JSON.stringify(this.prompt.messages).length);
    return this.promptTokens;
  }
}
