import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type { EventSourceMessage as SseMessage } from 'eventsource-parser';

/**
 * Server-Sent Events framing, both ways. Writers and readers share it so the
 * server, the client SDK and the provider adapters agree byte for byte.
 */

/** One event. `data` is JSON text, which never holds a raw newline, so one `data:` line suffices. */
export function formatSseEvent(message: { id: string; event: string; data: string }): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${message.data}\n\n`;
}

/** A comment line: ignored by readers, it keeps proxies from closing an idle connection. */
export const formatSseComment = (text: string): string => `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;

/** How long a browser's EventSource waits before reconnecting. */
export const formatSseRetry = (ms: number): string => `retry: ${Math.max(0, Math.round(ms))}\n\n`;

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

/**
 * A fetch body as bytes. Node's web stream is async-iterable; some browsers'
 * ReadableStream is not yet, so read it by hand there.
 */
export async function* bodyBytes(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Left early (the reader stopped, or an error): close the connection rather than leave it half read.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
