import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Bytes → UTF-8 text → SSE messages. The decoder runs in streaming mode so a
 * multibyte character split across network chunks is joined, never mangled.
 */
export async function* parseSseStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const decoder = new TextDecoder('utf-8');
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) yield pending.shift() as EventSourceMessage;
  }
  parser.feed(decoder.decode());
  // A final event without its blank line still counts: some servers close right after `data:`.
  parser.feed('\n\n');
  while (pending.length > 0) yield pending.shift() as EventSourceMessage;
}

/** Parses a JSON payload, or returns undefined when it is not JSON. */
export function parseJsonSafely(text: string): { ok: true; value: unknown } | { ok: false; error: Error } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}
