import { boundedLabel, modelStepFirstToken } from './metrics.js';

/** Marks a model step attempt's first output (text, reasoning or a tool call); later calls cost a comparison. */
export class FirstTokenTimer {
  private readonly started = performance.now();
  private seen = false;
  constructor(private readonly model: string) {}

  output(): void {
    if (this.seen) return;
    this.seen = true;
    modelStepFirstToken.observe({ model: boundedLabel('model', this.model) }, (performance.now() - this.started) / 1000);
  }
}
