import type { InputIssue } from '../runs/run-request.js';

export const apiErrorTypes = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ApiErrorType = keyof typeof apiErrorTypes;

/** Every error the API answers: `{ error: { type, message, issues? } }` with the matching status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly type: ApiErrorType,
    message: string,
    readonly issues?: InputIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): (typeof apiErrorTypes)[ApiErrorType] {
    return apiErrorTypes[this.type];
  }

  toJSON() {
    return { error: { type: this.type, message: this.message, issues: this.issues } };
  }
}
