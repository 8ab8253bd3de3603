import { isRunEventType } from './event-types.js';
import { runEventSchema, type ParsedRunEvent } from './events.js';

/** An event that cannot be read: not JSON, no `type`, or a known type whose fields are wrong. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  constructor(
    message: string,
    /** The text or value that failed. */
    readonly raw: unknown,
  ) {
    super(message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A run event from its JSON value. A known type is validated; a type this code
 * does not know (a newer worker wrote it) gives `{ type: 'unknown', raw }`, so
 * readers pass it on or skip it instead of failing. Throws
 * `MalformedEventError` for anything else.
 */
export function parseRunEvent(value: unknown): ParsedRunEvent {
  if (!isRecord(value) || typeof value.type !== 'string') throw new MalformedEventError('an event must be an object with a string `type`', value);
  if (!isRunEventType(value.type)) return { type: 'unknown', raw: value };
  const parsed = runEventSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
  throw new MalformedEventError(`malformed ${value.type} event: ${where}`, value);
}

/** `parseRunEvent` of JSON text. */
export function parseRunEventJson(text: string): ParsedRunEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedEventError(`an event is not JSON: ${(error as Error).message}`, text);
  }
  return parseRunEvent(value);
}
