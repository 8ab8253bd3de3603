import { describe, expect, it } from 'vitest';
import { compareStreamIds, isStreamId } from '../../../src/protocol/stream-id.js';

describe('stream ids', () => {
  it('order numerically, not as strings', () => {
    expect(compareStreamIds('9-0', '10-0')).toBe(-1);
    expect(compareStreamIds('10-2', '10-10')).toBe(-1);
    expect(compareStreamIds('10-10', '10-10')).toBe(0);
    expect(compareStreamIds('1700000000001-0', '1700000000000-99')).toBe(1);
  });
  it('are recognized', () => {
    expect(isStreamId('1700000000000-0')).toBe(true);
    expect(isStreamId('abc')).toBe(false);
    expect(isStreamId('1-2-3')).toBe(false);
  });
});
