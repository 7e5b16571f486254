import { describe, expect, it } from 'vitest';
import { financialYear, formatDay, formatInstant, todayIST } from './dates';

describe('dates in IST', () => {
	it('shows a calendar day as that day, whatever the zone', () => {
		expect(formatDay('2026-11-18', 'en')).toBe('18 Nov 2026');
		expect(formatDay('2026-01-01', 'en')).toBe('1 Jan 2026');
		expect(formatDay('2026-11-18', 'hi')).toMatch(/^18 .+ 2026$/);
		expect(formatDay('2026-11-18', 'hi')).not.toBe(formatDay('2026-11-18', 'en'));
	});
	it('shows an instant in Asia/Kolkata', () => {
		// 18:45 UTC is 00:15 the next day in IST (UTC+05:30)
		expect(formatInstant('2026-11-18T18:45:00Z', 'en')).toBe('19 Nov 2026, 12:15 am IST');
		expect(formatInstant('2026-11-18T03:45:00+00:00', 'en')).toBe('18 Nov 2026, 9:15 am IST');
		expect(formatInstant('2026-11-18T18:45:00Z', 'en', false)).toBe('19 Nov 2026');
	});
	it('knows the IST date when UTC is still on the previous day', () => {
		expect(todayIST(new Date('2026-03-31T19:00:00Z'))).toBe('2026-04-01');
		expect(todayIST(new Date('2026-03-31T18:00:00Z'))).toBe('2026-03-31');
	});
	it('names the financial year by its first year (April to March)', () => {
		expect(financialYear('2026-03-31')).toBe(2025);
		expect(financialYear('2026-04-01')).toBe(2026);
	});
	it('leaves what is not a date as it is', () => {
		expect(formatInstant('not a date')).toBe('not a date');
	});
});
