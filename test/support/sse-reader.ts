import { createParser } from 'eventsource-parser';

export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface SseRead {
  status: number;
  messages: SseMessage[];
  /** The raw text, for `retry:` and comment lines. */
  raw: string;
}

/** Reads one events response to its end, as a plain HTTP client would (no reconnects). */
export async function readSse(url: string, headers: Record<string, string> = {}): Promise<SseRead> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  if (!response.ok || !response.body) return { status: response.status, messages: [], raw: await response.text() };
  const messages: SseMessage[] = [];
  const parser = createParser({ onEvent: (event) => messages.push({ id: event.id, event: event.event, data: event.data }) });
  const decoder = new TextDecoder();
  let raw = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    raw += text;
    parser.feed(text);
  }
  return { status: response.status, messages, raw };
}
