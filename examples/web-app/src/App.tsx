import { useEffect, useState } from 'react';
import { renewTicket, startRun, type RunTicket } from './backend.ts';
import { RunPanel } from './RunPanel.tsx';

/** Ask for a run, then watch it; `?run=<id>` opens a run that exists (a link to share). */
export function App() {
  const [ticket, setTicket] = useState<RunTicket>();
  const [prompt, setPrompt] = useState('What is (17+25)*3?');
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    const runId = new URLSearchParams(location.search).get('run');
    if (runId) renewTicket(runId).then(setTicket, (error: Error) => setProblem(error.message));
  }, []);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    try {
      const next = await startRun(prompt);
      history.replaceState(null, '', `?run=${encodeURIComponent(next.runId)}`);
      setTicket(next);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  return (
    <main>
      <h1>Ask the agent</h1>
      <form onSubmit={submit}>
        <input id="prompt" value={prompt} onChange={(event) => setPrompt(event.target.value)} />
        <button type="submit">Run</button>
      </form>
      {problem && <p className="problem">{problem}</p>}
      {ticket && <RunPanel key={ticket.runId} ticket={ticket} />}
    </main>
  );
}
