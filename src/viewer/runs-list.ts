import type { RunSummary } from '../runs/run-service.js';
import { apiKeyName, byId, el } from './dom.js';

/** Recent runs: needs an API key, asked for once and kept in this tab's sessionStorage. */
const form = byId<HTMLFormElement>('key-form');
const table = byId<HTMLTableElement>('runs');
const problem = byId('list-problem');
const forget = byId<HTMLButtonElement>('forget-key');

function showProblem(text: string): void {
  problem.textContent = text;
  problem.hidden = false;
}

async function openRun(runId: string): Promise<void> {
  const key = sessionStorage.getItem(apiKeyName) ?? '';
  const response = await fetch(`/v1/runs/${encodeURIComponent(runId)}/viewer-token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) return showProblem(`could not open ${runId}: HTTP ${response.status}`);
  const { viewerToken } = (await response.json()) as { viewerToken: string };
  location.assign(`/runs/${encodeURIComponent(runId)}?token=${encodeURIComponent(viewerToken)}`);
}

function row(run: RunSummary): HTMLTableRowElement {
  const tr = el('tr');
  const link = el('a', '', run.id);
  link.href = `/runs/${encodeURIComponent(run.id)}`;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void openRun(run.id);
  });
  // A stalled run is still running; the list says why it makes no progress.
  const status = run.stalled ? `${run.status} · stalled: ${run.stalled.reason}` : run.status;
  const cells: (string | Node)[] = [link, status, run.agent ? `${run.agent} · ${run.model}` : run.model, new Date(run.createdAt).toLocaleString()];
  for (const value of cells) {
    const cell = el('td');
    cell.append(value);
    tr.append(cell);
  }
  tr.dataset.status = run.status;
  return tr;
}

async function load(): Promise<void> {
  const key = sessionStorage.getItem(apiKeyName);
  if (!key) {
    form.hidden = false;
    return;
  }
  const response = await fetch('/v1/runs?limit=50', { headers: { authorization: `Bearer ${key}` } });
  if (response.status === 401) {
    sessionStorage.removeItem(apiKeyName);
    form.hidden = false;
    return showProblem('That API key was not accepted.');
  }
  if (!response.ok) return showProblem(`Listing runs failed: HTTP ${response.status}`);
  const { runs } = (await response.json()) as { runs: RunSummary[] };
  table.tBodies[0]!.replaceChildren(...runs.map(row));
  if (runs.length === 0) showProblem('No runs yet.');
  form.hidden = true;
  table.hidden = false;
  forget.hidden = false;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(apiKeyName, byId<HTMLInputElement>('api-key').value.trim());
  problem.hidden = true;
  void load();
});
forget.addEventListener('click', () => {
  sessionStorage.removeItem(apiKeyName);
  location.reload();
});
void load();
