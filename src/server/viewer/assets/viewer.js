// One run, live: EventSource with the run's viewer token. Text deltas are applied at their
// offset, and text and reasoning are rolled back on step.resumed (API.md, README "Events"),
// so what is shown is the final transcript.
const keyName = 'runstream.apiKey';
const runId = decodeURIComponent(location.pathname.split('/').filter(Boolean).at(-1) ?? '');
let token = new URLSearchParams(location.search).get('token');
const eventTypes = [
  'run.started', 'step.started', 'text.delta', 'reasoning.delta', 'tool_call.started', 'tool_call.delta', 'tool_call.ready',
  'tool.started', 'tool.progress', 'tool.finished', 'step.resumed', 'step.finished', 'run.stalled', 'run.completed', 'run.failed',
  'run.cancelled', 'snapshot',
];
const finalStatuses = ['completed', 'failed', 'cancelled'];

const $ = (id) => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};
const json = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** Step cards by step number: text, reasoning blocks, tool calls, usage. */
const steps = new Map();
let lastId;
let source;
let ended = false;
let retryDelay = 1000;

function compareIds(a, b) {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}

function setStatus(status) {
  document.body.dataset.status = status;
  $('status').textContent = status;
  $('status').className = `badge ${status}`;
}

function setConnection(state, text) {
  document.body.dataset.connection = state;
  $('connection').textContent = text;
}

function stepCard(number) {
  let step = steps.get(number);
  if (step) return step;
  const card = el('li', 'step');
  card.dataset.step = String(number);
  const head = el('div', 'step-head', `Step ${number}`);
  const usage = el('span', 'usage');
  head.append(usage);
  const reasoning = el('details', 'reasoning');
  reasoning.hidden = true;
  reasoning.append(el('summary', '', 'reasoning'), el('div', 'reasoning-text'));
  const text = el('div', 'text');
  const tools = el('ol', 'tools');
  card.append(head, reasoning, text, tools);
  $('timeline').append(card);
  step = { card, usage, reasoning, reasoningBlocks: new Map(), text, textValue: '', tools, calls: new Map() };
  steps.set(number, step);
  return step;
}

function setText(step, value) {
  step.textValue = value;
  step.text.textContent = value;
}

/** Reasoning is kept per block, so a resume can cut each block back to what the transcript keeps. */
function setReasoning(step, blocks) {
  step.reasoningBlocks = blocks;
  const text = [...blocks.values()].join('\n\n');
  step.reasoning.hidden = text === '';
  step.reasoning.querySelector('.reasoning-text').textContent = text;
}

function toolCard(step, callId, name) {
  let call = step.calls.get(callId);
  if (call) return call;
  const item = el('li', 'tool running');
  item.dataset.callId = callId;
  const title = el('div', 'tool-title', `🔧 ${name}`);
  const args = el('pre', 'tool-args');
  const progress = el('div', 'tool-progress');
  const result = el('pre', 'tool-result');
  item.append(title, args, progress, result);
  step.tools.append(item);
  call = { item, args, argsText: '', progress, result };
  step.calls.set(callId, call);
  return call;
}

function showUsage(step, usage, finishReason) {
  step.usage.textContent = ` · ${usage.inputTokens} in / ${usage.outputTokens} out · ${finishReason}`;
}

function finish(status, detail) {
  ended = true;
  setStatus(status);
  setConnection('ended', '');
  source?.close();
  if (detail) {
    $('summary').textContent = detail;
    $('summary').hidden = false;
  }
}

/** Rebuilds the timeline from the workflow's transcript (the log no longer held the start). */
function applySnapshot(event) {
  steps.clear();
  $('timeline').replaceChildren();
  let number = 0;
  let current;
  for (const message of event.messages) {
    if (message.role === 'assistant') {
      current = stepCard(++number);
      setText(current, message.content);
      setReasoning(current, new Map((message.reasoning ?? []).map((block) => [block.blockId, block.text])));
      for (const call of message.toolCalls ?? []) toolCard(current, call.callId, call.name).args.textContent = json(call.arguments);
    } else if (message.role === 'tool' && current) {
      const call = toolCard(current, message.callId, message.name);
      call.item.className = `tool ${message.isError ? 'error' : 'done'}`;
      call.result.textContent = message.content;
    }
  }
  setStatus(event.status);
  if (finalStatuses.includes(event.status)) finish(event.status, `${event.status} (from the stored transcript)`);
}

/** A stalled run shows why until its next sign of progress. */
function showStalled(event) {
  const banner = $('stalled');
  if (!event) {
    banner.hidden = true;
    return;
  }
  banner.textContent = `⚠ stalled: ${event.reason} (${event.attempts} attempts since ${new Date(event.since).toLocaleTimeString()}); it carries on once the cause is fixed`;
  banner.hidden = false;
}

function apply(event) {
  if (event.type !== 'run.stalled') showStalled(undefined);
  switch (event.type) {
    case 'run.stalled':
      showStalled(event);
      break;
    case 'run.started':
      setStatus('running');
      $('meta').textContent = [
        event.agent ? `agent ${event.agent}` : '',
        event.model,
        `tools: ${event.tools.join(', ') || 'none'}`,
        `up to ${event.maxSteps} steps`,
        event.modelSettings ? Object.entries(event.modelSettings).map(([name, value]) => `${name} ${JSON.stringify(value)}`).join(', ') : '',
      ].filter(Boolean).join(' · ');
      break;
    case 'step.started':
      stepCard(event.step);
      break;
    case 'text.delta': {
      const step = stepCard(event.step);
      setText(step, step.textValue.slice(0, event.offset) + event.text);
      break;
    }
    case 'reasoning.delta': {
      const step = stepCard(event.step);
      step.reasoningBlocks.set(event.blockId, (step.reasoningBlocks.get(event.blockId) ?? '') + event.text);
      setReasoning(step, step.reasoningBlocks);
      break;
    }
    case 'tool_call.started':
      toolCard(stepCard(event.step), event.callId, event.name);
      break;
    case 'tool_call.delta': {
      const call = toolCard(stepCard(event.step), event.callId, '…');
      call.argsText += event.argumentsDelta;
      call.args.textContent = call.argsText;
      break;
    }
    case 'tool_call.ready':
      toolCard(stepCard(event.step), event.callId, event.name).args.textContent = json(event.arguments);
      break;
    case 'tool.started':
      toolCard(stepCard(event.step), event.callId, event.name).item.classList.add('running');
      break;
    case 'tool.progress':
      toolCard(stepCard(event.step), event.callId, event.name).progress.textContent = json(event.progress);
      break;
    case 'tool.finished': {
      const call = toolCard(stepCard(event.step), event.callId, event.name);
      call.item.className = `tool ${event.isError ? 'error' : 'done'}`;
      call.result.textContent = json(event.result);
      break;
    }
    case 'step.resumed': {
      const step = stepCard(event.step);
      setText(step, step.textValue.slice(0, event.offset));
      // Only the listed blocks stay, cut to their length (none when the step is regenerated); absent from older servers.
      if (event.reasoning) {
        setReasoning(step, new Map(event.reasoning.map(({ blockId, length }) => [blockId, (step.reasoningBlocks.get(blockId) ?? '').slice(0, length)])));
      }
      step.card.append(el('div', 'note', `↻ resumed (attempt ${event.attempt}) at character ${event.offset}`));
      break;
    }
    case 'step.finished': {
      const step = stepCard(event.step);
      setText(step, event.text);
      showUsage(step, event.usage, event.finishReason);
      break;
    }
    case 'run.completed': {
      const { usage, steps: count, structuredOutput } = event.result;
      finish('completed', `completed · ${count} step${count === 1 ? '' : 's'} · ${usage.inputTokens} tokens in, ${usage.outputTokens} out`);
      // A run asked for structured output shows the validated object under the summary.
      if (structuredOutput !== undefined) $('summary').append(el('div', 'structured-label', 'structured output'), el('pre', 'structured-output', json(structuredOutput)));
      break;
    }
    case 'run.failed':
      finish('failed', `failed · ${event.error.type}: ${event.error.message}`);
      break;
    case 'run.cancelled':
      finish('cancelled', 'cancelled · the partial text is kept');
      break;
    case 'snapshot':
      applySnapshot(event);
      break;
    default:
      break; // a newer server's event type: ignore it
  }
}

/** A fresh viewer token when this tab holds an API key; else undefined. */
async function renewToken() {
  const key = sessionStorage.getItem(keyName);
  if (!key) return undefined;
  const response = await fetch(`/v1/runs/${encodeURIComponent(runId)}/viewer-token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) return undefined;
  return (await response.json()).viewerToken;
}

function connect() {
  if (!token) {
    void renewToken().then((renewed) => {
      if (renewed) {
        token = renewed;
        connect();
      } else problem('This page needs a viewer token (?token=…), or open the run from the list with an API key.');
    });
    return;
  }
  const params = new URLSearchParams({ token });
  if (lastId) params.set('after', lastId);
  source = new EventSource(`/v1/runs/${encodeURIComponent(runId)}/events?${params}`);
  source.addEventListener('open', () => {
    retryDelay = 1000;
    setConnection('live', '● live');
  });
  for (const type of eventTypes) {
    source.addEventListener(type, (message) => {
      // The browser resumes with Last-Event-ID; ids at or before the last one applied are skipped all the same.
      if (lastId && message.lastEventId && compareIds(message.lastEventId, lastId) <= 0) return;
      if (message.lastEventId) lastId = message.lastEventId;
      apply(JSON.parse(message.data));
    });
  }
  source.addEventListener('error', () => {
    if (ended) return;
    if (source.readyState === EventSource.CONNECTING) {
      setConnection('reconnecting', '◌ reconnecting…');
      return;
    }
    // Closed for good (an HTTP error such as an expired token, or the server went away): reopen ourselves.
    setConnection('reconnecting', '◌ reconnecting…');
    source.close();
    setTimeout(async () => {
      const check = await fetch(`/v1/runs/${encodeURIComponent(runId)}/events?token=${encodeURIComponent(token)}&after=${lastId ?? ''}`, {
        method: 'GET',
        headers: { accept: 'text/event-stream' },
      }).catch(() => undefined);
      if (check) {
        void check.body?.cancel();
        if (check.status === 401) token = (await renewToken()) ?? token;
        if (check.status === 401 && !sessionStorage.getItem(keyName)) {
          return problem('The viewer token expired; ask for a new link (POST /v1/runs/:id/viewer-token).');
        }
        if (check.status === 403 || check.status === 404) return problem(`This run cannot be shown (HTTP ${check.status}).`);
      }
      retryDelay = Math.min(retryDelay * 2, 10_000);
      connect();
    }, retryDelay);
  });
}

function problem(text) {
  setConnection('closed', '');
  $('problem').textContent = text;
  $('problem').hidden = false;
}

$('run-id').textContent = runId;
document.title = `runstream · ${runId}`;
connect();
