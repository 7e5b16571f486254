/**
 * Indian formats for the API's decimal strings, by string manipulation only: ₹1,23,456.78.
 *
 * Rules: grouping is the Indian one (the last three digits, then pairs); amounts are rounded
 * half away from zero to the places shown (paise by default); a negative amount is written
 * with a minus sign before the rupee sign (−₹1,234.50), and an amount that rounds to zero is
 * never negative. Hindi uses the same digits and grouping (hi-IN writes Latin digits).
 */
import { round } from './decimal';

/** Indian digit grouping of a run of integer digits: 1234567 → 12,34,567. */
export function groupIndian(whole: string): string {
	if (whole.length <= 3) return whole;
	const last = whole.slice(-3);
	let rest = whole.slice(0, -3);
	const pairs: string[] = [];
	while (rest.length > 2) {
		pairs.unshift(rest.slice(-2));
		rest = rest.slice(0, -2);
	}
	if (rest) pairs.unshift(rest);
	return `${pairs.join(',')},${last}`;
}

export const MINUS = '\u2212';

export interface MoneyOptions {
	/** Fraction digits shown (2 = paise). */
	places?: number;
	/** Prefix positive amounts with "+" (for P&L). */
	signed?: boolean;
	/** Leave out the ₹ sign. */
	bare?: boolean;
}

/** ₹1,23,456.78 from "123456.78"; see the module's rules. */
export function formatMoney(value: string, options: MoneyOptions = {}): string {
	const { places = 2, signed = false, bare = false } = options;
	const parts = round(value, places);
	const body = groupIndian(parts.whole) + (places > 0 ? `.${parts.fraction}` : '');
	const symbol = bare ? '' : '₹';
	const zero = /^0*$/.test(parts.whole + parts.fraction);
	const sign = parts.negative ? MINUS : signed && !zero ? '+' : '';
	return `${sign}${symbol}${body}`;
}

/** A share count or other integer in Indian grouping: 1234567 → 12,34,567. */
export function formatCount(value: number | string): string {
	const text = String(value);
	const negative = text.startsWith('-');
	const digits = negative ? text.slice(1) : text;
	if (!/^\d+$/.test(digits)) throw new RangeError(`not an integer: ${text}`);
	return (negative ? MINUS : '') + groupIndian(digits.replace(/^0+(?=\d)/, ''));
}

/**
 * A fraction given as a decimal string shown as a percentage, exactly: "0.1234" → "12.34%"
 * (the decimal point moved two places, then rounded half away from zero).
 */
export function formatFraction(value: string, options: { places?: number; signed?: boolean } = {}): string {
	const { places = 2, signed = false } = options;
	const negative = value.trim().startsWith('-');
	const unsigned = value.trim().replace(/^[-+]/, '');
	const [whole = '0', fraction = ''] = unsigned.split('.');
	const padded = fraction.padEnd(2, '0');
	const shifted = `${negative ? '-' : ''}${whole}${padded.slice(0, 2)}.${padded.slice(2) || '0'}`;
	const parts = round(shifted, places);
	const zero = /^0*$/.test(parts.whole + parts.fraction);
	const sign = parts.negative ? MINUS : signed && !zero ? '+' : '';
	return `${sign}${groupIndian(parts.whole)}${places > 0 ? `.${parts.fraction}` : ''}%`;
}

/** A statistic the API sends as a JSON number (a return, a volatility): not money. */
export function formatRatio(value: number | null | undefined, places = 2): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	const percent = (value * 100).toFixed(places);
	return (percent.startsWith('-') ? MINUS + percent.slice(1) : percent) + '%';
}

/** A weight the API gives in percent ("12.5000") as "12.5%": at most `places` decimals, half away from zero. */
export function formatWeight(value: string, places = 2): string {
	const parts = round(value, places);
	const fraction = parts.fraction.replace(/0+$/, '');
	return `${parts.negative ? MINUS : ''}${groupIndian(parts.whole)}${fraction ? `.${fraction}` : ''}%`;
}
