import { ApplicationFailure } from '@temporalio/workflow';

/** The run-level failure type of a run whose own data would not fit in a Temporal payload (API.md `run.failed`). */
export const payloadTooLargeErrorType = 'PayloadTooLargeError';

/**
 * Temporal refuses payloads over 2 MB (2,097,152 bytes), and refuses them by
 * failing the workflow task, for ever: the run would wedge. Below that, with
 * room for the encoding's envelope and an encryption codec's few bytes.
 */
export const payloadLimitBytes = 2_000_000;

/** UTF-8 bytes of the value as JSON, counted without allocating a buffer (workflows have no Buffer). */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? '';
  let bytes = json.length;
  for (let index = 0; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair: 4 bytes for 2 code units.
      bytes += 2;
      index++;
    } else if (code > 0x7ff) bytes += 2;
    else if (code > 0x7f) bytes += 1;
  }
  return bytes;
}

/**
 * Returns `value` if it fits in a payload; otherwise fails the run with a
 * typed, non-retryable error instead of handing Temporal a command it would
 * refuse. Checked before each payload the run's own data makes: a failed run
 * keeps its transcript (the progress query answers), a wedged one does not.
 */
export function fitPayload<T>(what: string, value: T): T {
  const bytes = jsonBytes(value);
  if (bytes > payloadLimitBytes) {
    throw ApplicationFailure.create({
      type: payloadTooLargeErrorType,
      message: `${what} is ${bytes} bytes, over Temporal's payload limit (${payloadLimitBytes} bytes with room for encoding); the transcript up to here is kept`,
      nonRetryable: true,
    });
  }
  return value;
}
