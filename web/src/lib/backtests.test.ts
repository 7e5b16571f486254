import { describe, expect, it } from 'vitest';
import { isActive, progressOf } from './backtests';

describe('backtest runs', () => {
	it('polls only queued and running runs', () => {
		expect(['queued', 'running', 'completed', 'failed'].map((status) => isActive({ status }))).toEqual([true, true, false, false]);
	});
	it('gives progress as a fraction, zero while the total is unknown', () => {
		expect(progressOf({ days_done: 0, days_total: null })).toBe(0);
		expect(progressOf({ days_done: 12, days_total: 48 })).toBe(0.25);
		expect(progressOf({ days_done: 50, days_total: 48 })).toBe(1);
	});
});
