// Recent runs: needs an API key, asked for once and kept in this tab's sessionStorage.
const keyName = 'runstream.apiKey';
const form = document.getElementById('key-form');
const table = document.getElementById('runs');
const problem = document.getElementById('list-problem');
const forget = document.getElementById('forget-key');

const showProblem = (text) => {
  problem.textContent = text;
  problem.hidden = false;
};

async function openRun(runId) {
  const key = sessionStorage.getItem(keyName);
  const response = await fetch(`/v1/runs/${encodeURIComponent(runId)}/viewer-token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) return showProblem(`could not open ${runId}: HTTP ${response.status}`);
  const { viewerToken } = await response.json();
  location.assign(`/runs/${encodeURIComponent(runId)}?token=${encodeURIComponent(viewerToken)}`);
}

async function load() {
  const key = sessionStorage.getItem(keyName);
  if (!key) {
    form.hidden = false;
    return;
  }
  const response = await fetch('/v1/runs?limit=50', { headers: { authorization: `Bearer ${key}` } });
  if (response.status === 401) {
    sessionStorage.removeItem(keyName);
    form.hidden = false;
    return showProblem('That API key was not accepted.');
  }
  if (!response.ok) return showProblem(`Listing runs failed: HTTP ${response.status}`);
  const { runs } = await response.json();
  const body = table.querySelector('tbody');
  body.replaceChildren();
  for (const run of runs) {
    const row = document.createElement('tr');
    const link = document.createElement('a');
    link.href = `/runs/${encodeURIComponent(run.id)}`;
    link.textContent = run.id;
    link.addEventListener('click', (event) => {
      event.preventDefault();
      void openRun(run.id);
    });
    // A stalled run is still running; the list says why it makes no progress.
    const status = run.stalled ? `${run.status} · stalled: ${run.stalled.reason}` : run.status;
    const cells = [link, status, run.agent ? `${run.agent} · ${run.model}` : run.model, new Date(run.createdAt).toLocaleString()];
    for (const value of cells) {
      const cell = document.createElement('td');
      if (typeof value === 'string') cell.textContent = value;
      else cell.append(value);
      row.append(cell);
    }
    row.dataset.status = run.status;
    body.append(row);
  }
  if (runs.length === 0) showProblem('No runs yet.');
  form.hidden = true;
  table.hidden = false;
  forget.hidden = false;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(keyName, document.getElementById('api-key').value.trim());
  problem.hidden = true;
  void load();
});
forget.addEventListener('click', () => {
  sessionStorage.removeItem(keyName);
  location.reload();
});
void load();
