/** An error answer of the runstream API, with its status and typed body. */
export class RunstreamApiError extends Error {
  override readonly name = 'RunstreamApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }

  /** Worth retrying the same request later (rate limit, overload, server trouble). */
  get isRetryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}
