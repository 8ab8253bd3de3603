import { budgetFlagOf } from './budget-flags.js';
import { assertNever, emptyRunView, foldRun, type ParsedRunEvent, type RunView, type StepView } from '../protocol/index.js';

export interface RenderOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Stderr is a terminal: a spinner line for running tools. */
  interactive: boolean;
}

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Renders run events for a terminal: assistant text to stdout as it streams,
 * everything else to stderr, so `runstream run … --follow > answer.txt` keeps
 * only the answer. What the run looks like comes from the protocol's reducer;
 * this prints the difference each event makes. After a resume the printed
 * text is only extended where it still matches, since stdout cannot unprint.
 */
export class RunRenderer {
  private view: RunView = emptyRunView('');
  /** The current step's text as printed so far. */
  private printed = '';
  private spinner: NodeJS.Timeout | undefined;
  private spinnerLabel = '';
  private frame = 0;
  private reasoningOpen = false;

  constructor(private readonly out: RenderOutput) {}

  handle(event: ParsedRunEvent): void {
    const before = this.view;
    this.view = foldRun(before, event);
    switch (event.type) {
      case 'run.started':
        this.out.stderr(`▶ run ${event.runId}${event.agent ? ` · agent ${event.agent}` : ''} · ${event.model} · tools: ${event.tools.join(', ') || 'none'}\n`);
        break;
      case 'step.started':
        this.printed = '';
        break;
      case 'text.delta':
        this.closeReasoning();
        this.showText(this.stepOf(event.step)?.text);
        break;
      case 'reasoning.delta':
        if (!this.reasoningOpen) {
          this.reasoningOpen = true;
          this.out.stderr('💭 ');
        }
        this.out.stderr(event.text);
        break;
      case 'tool_call.started':
      case 'tool_call.delta':
      case 'reasoning.started':
      case 'reasoning.finished':
      case 'turn.queued':
      case 'turn.started':
      case 'turn.finished':
      case 'thread.closed':
      case 'unknown':
        break;
      case 'step.retrying':
        this.stopSpinner();
        this.closeReasoning();
        this.endLine();
        this.out.stderr(
          `↻ ${event.name === undefined ? `step ${event.step}` : event.name} failed (${event.error.type}: ${event.error.message}); attempt ${event.attempt} in ${seconds(event.delayMs)}\n`,
        );
        break;
      case 'tool.approval_requested':
        this.stopSpinner();
        this.endLine();
        this.out.stderr(
          `⏸ ${event.name}(${JSON.stringify(event.arguments)}) waits for approval until ${event.expiresAt}: runstream approve ${event.runId} ${event.callId} [--deny --reason …]\n`,
        );
        break;
      case 'tool.approval_resolved':
        this.endLine();
        this.out.stderr(
          event.approved
            ? `✔ ${event.callId} approved by ${event.decidedBy}\n`
            : `✗ ${event.callId} ${event.decidedBy === 'timeout' ? 'expired without a decision' : `denied by ${event.decidedBy}`}${event.reason && event.decidedBy !== 'timeout' ? `: ${event.reason}` : ''}\n`,
        );
        break;
      case 'tool_call.ready':
        this.endLine();
        this.out.stderr(`🔧 ${event.name}(${JSON.stringify(event.arguments)})\n`);
        break;
      case 'tool.started':
        this.startSpinner(`running ${event.name}`);
        break;
      case 'tool.progress':
        this.spinnerLabel = `${event.name}: ${typeof event.progress === 'string' ? event.progress : JSON.stringify(event.progress)}`;
        if (!this.out.interactive) this.out.stderr(`  … ${this.spinnerLabel}\n`);
        break;
      case 'tool.finished':
        this.stopSpinner();
        this.out.stderr(`${event.isError ? '✗' : '✓'} ${event.name} → ${JSON.stringify(event.result)}\n`);
        break;
      case 'step.resumed': {
        this.closeReasoning();
        this.out.stderr(`\n↻ step ${event.step} resumed (attempt ${event.attempt}) at character ${event.offset}\n`);
        // Stderr cannot unprint either: say how much of the reasoning shown above the resumed step takes back.
        const withdrawn = reasoningLength(stepIn(before, event.step)) - reasoningLength(this.stepOf(event.step));
        if (withdrawn > 0) this.out.stderr(`(${withdrawn} characters of reasoning above are taken back)\n`);
        break;
      }
      case 'step.finished':
        this.closeReasoning();
        this.endLine();
        break;
      case 'run.completed': {
        this.stopSpinner();
        this.endLine();
        const { usage, steps, finishReason } = event.result;
        this.out.stderr(
          `✔ completed · ${steps} step${steps === 1 ? '' : 's'} · ${finishReason} · tokens in ${usage.inputTokens} out ${usage.outputTokens} total ${usage.totalTokens}${took(event.durationMs)}\n`,
        );
        break;
      }
      case 'run.stalled':
        this.endLine();
        this.out.stderr(`⚠ stalled · ${event.reason} (${event.attempts} attempts since ${event.since}); it carries on if the cause is fixed\n`);
        break;
      case 'run.failed':
        this.stopSpinner();
        this.endLine();
        this.out.stderr(`✗ failed · ${event.error.type}: ${event.error.message}${took(event.durationMs)}\n`);
        // A budget's limit was reached: say how to go on with a larger one.
        if (event.error.limit) this.out.stderr(`  go on with: runstream resume ${event.runId} --${budgetFlagOf[event.error.limit]} <more than ${event.error.max}>\n`);
        break;
      case 'run.cancelled':
        this.stopSpinner();
        this.endLine();
        this.out.stderr(`■ cancelled · kept ${event.partial.length} characters of partial text${took(event.durationMs)}\n`);
        break;
      case 'snapshot': {
        const last = event.messages.findLast((message) => message.role === 'assistant');
        this.out.stderr(`(snapshot: ${event.messages.length} messages so far, status ${event.status})\n`);
        if (last?.content) this.out.stdout(`${last.content}\n`);
        break;
      }
      default:
        assertNever(event);
    }
  }

  private stepOf(step: number): StepView | undefined {
    return stepIn(this.view, step);
  }

  private showText(text = ''): void {
    if (text.startsWith(this.printed)) {
      this.out.stdout(text.slice(this.printed.length));
    } else {
      this.out.stderr('\n(the resumed stream differs from what was printed; it continues below)\n');
      this.out.stdout(text);
    }
    this.printed = text;
  }

  private endLine(): void {
    if (this.printed && !this.printed.endsWith('\n')) {
      this.out.stdout('\n');
      this.printed += '\n';
    }
  }

  private closeReasoning(): void {
    if (this.reasoningOpen) {
      this.reasoningOpen = false;
      this.out.stderr('\n');
    }
  }

  private startSpinner(label: string): void {
    this.spinnerLabel = label;
    if (!this.out.interactive) {
      this.out.stderr(`… ${label}\n`);
      return;
    }
    this.stopSpinner();
    this.spinner = setInterval(() => {
      this.frame = (this.frame + 1) % spinnerFrames.length;
      this.out.stderr(`\r${spinnerFrames[this.frame]} ${this.spinnerLabel}\x1b[K`);
    }, 80);
  }

  stopSpinner(): void {
    if (this.spinner) {
      clearInterval(this.spinner);
      this.spinner = undefined;
      this.out.stderr('\r\x1b[K');
    }
  }
}

const stepIn = (view: RunView, step: number): StepView | undefined => view.steps.find((candidate) => candidate.step === step);

const reasoningLength = (step: StepView | undefined): number => (step?.reasoning ?? []).reduce((sum, block) => sum + block.text.length, 0);

const seconds = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`);

const took = (durationMs: number | undefined): string => (durationMs === undefined ? '' : ` · ${seconds(durationMs)}`);
