/** The app's own backend (server.mjs): it holds the API key; the page only ever gets viewer tokens. */
export interface RunTicket {
  runId: string;
  /** Where the runstream API is: the page streams from it directly. */
  apiUrl: string;
  viewerToken: string;
  expiresAt: string;
}

async function post<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const startRun = (prompt: string) => post<RunTicket>('/api/runs', { prompt });
/** A fresh viewer token for a run the page shows (they expire). */
export const renewTicket = (runId: string) => post<RunTicket>(`/api/runs/${encodeURIComponent(runId)}/token`);
