import { describe, expect, it } from 'vitest';
import { evaluateExpression } from '../../src/tools/calculator.js';

describe('calculator', () => {
  it.each([
    ['(17+25)*3', 126],
    ['2^3^2', 512],
    ['-2^2', -4],
    ['2^-1', 0.5],
    ['10 % 4 + 1.5', 3.5],
    ['-(3 - 5) * .5', 1],
    ['1e3 / 8', 125],
  ])('%s = %d', (expression, expected) => {
    expect(evaluateExpression(expression)).toBe(expected);
  });

  it.each(['', '1 +', '(1', '1 / 0', 'process.exit(1)', '2 ** ', 'constructor'])('rejects %j', (expression) => {
    expect(() => evaluateExpression(expression)).toThrow();
  });
});
