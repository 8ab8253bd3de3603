import { z } from 'zod';
import { defineTool } from './tool.js';

/**
 * Arithmetic by recursive descent: numbers, + - * / % ^, parentheses, unary
 * minus. No eval, no identifiers, so a prompt cannot run code through it.
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

export function evaluateExpression(source: string): number {
  const tokens = source.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+|[-+*/%^()]|\*\*|\S/gi) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const primary = (): number => {
    const token = next();
    if (token === undefined) throw new ExpressionError('the expression ended early');
    if (token === '(') {
      const value = sum();
      if (next() !== ')') throw new ExpressionError('a closing parenthesis is missing');
      return value;
    }
    const value = Number(token);
    if (!Number.isFinite(value)) throw new ExpressionError(`unexpected "${token}"`);
    return value;
  };
  // Exponent binds tighter than unary minus: -2^2 is -4, 2^-1 is 0.5.
  const power = (): number => {
    const base = primary();
    if (peek() === '^' || peek() === '**') {
      next();
      return base ** unary(); // right-associative
    }
    return base;
  };
  const unary = (): number => {
    if (peek() === '-') {
      next();
      return -unary();
    }
    if (peek() === '+') {
      next();
      return unary();
    }
    return power();
  };
  const product = (): number => {
    let value = unary();
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      next();
      const right = unary();
      if ((op === '/' || op === '%') && right === 0) throw new ExpressionError('division by zero');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      next();
      const right = product();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  };

  if (tokens.length === 0) throw new ExpressionError('the expression is empty');
  const value = sum();
  if (position < tokens.length) throw new ExpressionError(`unexpected "${tokens[position]}"`);
  if (!Number.isFinite(value)) throw new ExpressionError('the result is not a finite number');
  return value;
}

export const calculatorTool = defineTool({
  name: 'calculator',
  description: 'Evaluates an arithmetic expression with + - * / % ^ and parentheses, e.g. "(17+25)*3".',
  parameters: z.object({ expression: z.string().min(1).max(1000).describe('The arithmetic expression') }),
  retry: 'idempotent',
  execute: async ({ expression }) => ({ expression, result: evaluateExpression(expression) }),
});
