import { describe, expect, it } from 'vitest';
import { formatCount, formatFraction, formatMoney, formatWeight, groupIndian, MINUS } from './money';
import { compare, round, scaled, sign, subtract, sum, unscaled } from './decimal';

describe('groupIndian', () => {
	it.each([
		['0', '0'],
		['999', '999'],
		['1000', '1,000'],
		['12345', '12,345'],
		['123456', '1,23,456'],
		['1234567', '12,34,567'],
		['12345678', '1,23,45,678'],
		['123456789012', '1,23,45,67,89,012']
	])('%s → %s', (digits, grouped) => expect(groupIndian(digits)).toBe(grouped));
});

describe('formatMoney', () => {
	it.each([
		['123456.78', '₹1,23,456.78'],
		['0', '₹0.00'],
		['0.00', '₹0.00'],
		['-0.004', '₹0.00'],
		['-0.005', `${MINUS}₹0.01`],
		['0.005', '₹0.01'],
		['0.0049999', '₹0.00'],
		['1.995', '₹2.00'],
		['999.995', '₹1,000.00'],
		['99999.999', '₹1,00,000.00'],
		['-1234.5', `${MINUS}₹1,234.50`],
		['10000000', '₹1,00,00,000.00'],
		['123456789012.34', '₹1,23,45,67,89,012.34'],
		['007.10', '₹7.10'],
		['0.01', '₹0.01'],
		['12.345678901234567891', '₹12.35']
	])('%s → %s', (value, shown) => expect(formatMoney(value)).toBe(shown));

	it('signs P&L and leaves zero unsigned', () => {
		expect(formatMoney('12.5', { signed: true })).toBe('+₹12.50');
		expect(formatMoney('-12.5', { signed: true })).toBe(`${MINUS}₹12.50`);
		expect(formatMoney('0.001', { signed: true })).toBe('₹0.00');
	});

	it('rounds to whole rupees when asked', () => {
		expect(formatMoney('1234.5', { places: 0 })).toBe('₹1,235');
		expect(formatMoney('-1234.49', { places: 0 })).toBe(`${MINUS}₹1,234`);
	});

	it('refuses what is not a decimal string', () => {
		for (const bad of ['', '1e5', 'NaN', '1,000', '₹5', '1.2.3', ' - 1']) expect(() => formatMoney(bad)).toThrow(RangeError);
	});

	// Hypothesis-like: many generated amounts, each checked against an independent BigInt
	// oracle (paise rounded half away from zero, then grouped by a different method).
	it('agrees with a BigInt oracle on generated amounts', () => {
		let seed = 20241001;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
		for (let n = 0; n < 5000; n++) {
			const wholeDigits = 1 + (next() % 15);
			const whole = Array.from({ length: wholeDigits }, () => next() % 10).join('');
			const fracDigits = next() % 7;
			const fraction = Array.from({ length: fracDigits }, () => next() % 10).join('');
			const negative = next() % 3 === 0;
			const value = `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
			// oracle: paise = |value| × 100 rounded half away from zero, which only the
			// third fraction digit decides (digits beyond it cannot carry past it)
			const milli = BigInt(whole + fraction.padEnd(3, '0').slice(0, 3));
			const paise = milli / 10n + (milli % 10n >= 5n ? 1n : 0n);
			const rupees = (paise / 100n).toLocaleString('en-IN');
			const expected = `${negative && paise !== 0n ? MINUS : ''}₹${rupees}.${(paise % 100n).toString().padStart(2, '0')}`;
			expect(formatMoney(value)).toBe(expected);
		}
	});
});

describe('formatCount, formatFraction, formatWeight', () => {
	it('groups share counts', () => {
		expect(formatCount(1234567)).toBe('12,34,567');
		expect(formatCount(-1500)).toBe(`${MINUS}1,500`);
		expect(formatCount(0)).toBe('0');
	});
	it('moves the point two places for fractions', () => {
		expect(formatFraction('0.1234')).toBe('12.34%');
		expect(formatFraction('-0.05')).toBe(`${MINUS}5.00%`);
		expect(formatFraction('0')).toBe('0.00%');
		expect(formatFraction('1.5')).toBe('150.00%');
		expect(formatFraction('0.123456')).toBe('12.35%');
		expect(formatFraction('0.001', { signed: true })).toBe('+0.10%');
	});
	it('shows percent weights without needless zeros', () => {
		expect(formatWeight('20.0000')).toBe('20%');
		expect(formatWeight('12.5000')).toBe('12.5%');
		expect(formatWeight('33.3333')).toBe('33.33%');
		expect(formatWeight('33.3333', 4)).toBe('33.3333%');
	});
});

describe('decimal', () => {
	it('sums exactly where floating point does not', () => {
		expect(0.1 + 0.2).not.toBe(0.3);
		expect(sum(['0.1', '0.2'])).toBe('0.3');
		expect(sum(['33.3333', '33.3333', '33.3334'])).toBe('100');
		expect(compare(sum(['33.3333', '33.3333', '33.3333']), '100')).toBe(-1);
	});
	it('subtracts, signs and compares', () => {
		expect(subtract('10', '12.5')).toBe('-2.5');
		expect(sign('-0.000')).toBe(0);
		expect(sign('-0.01')).toBe(-1);
		expect(compare('2', '10')).toBe(-1);
	});
	it('scales round trip', () => {
		expect(unscaled(scaled('-12.34', 2), 2)).toBe('-12.34');
		expect(unscaled(scaled('0.5', 4), 4)).toBe('0.5000');
		expect(unscaled(-5n, 2)).toBe('-0.05');
	});
	it('rounds half away from zero', () => {
		expect(round('2.345', 2)).toEqual({ negative: false, whole: '2', fraction: '35' });
		expect(round('-2.345', 2)).toEqual({ negative: true, whole: '2', fraction: '35' });
		expect(round('-2.344', 2)).toEqual({ negative: true, whole: '2', fraction: '34' });
		expect(round('9.999', 2)).toEqual({ negative: false, whole: '10', fraction: '00' });
	});
});
