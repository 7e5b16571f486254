/**
 * Exact decimal arithmetic on the API's decimal strings, by BigInt at a fixed scale: the app
 * never turns money into a floating-point number.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export interface Parts {
	negative: boolean;
	/** Integer digits, no leading zeros ("0" for zero). */
	whole: string;
	/** Fraction digits as given (may be empty). */
	fraction: string;
}

/** The parts of a decimal string (`-12.50`); throws on anything else (`1e3`, `NaN`, ``). */
export function parse(value: string): Parts {
	const match = DECIMAL.exec(value.trim());
	if (!match) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
	const whole = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
	return { negative: match[1] === '-', whole, fraction: match[3] ?? '' };
}

/** Whether `value` is a decimal string the API accepts (digits, optional sign and point). */
export function isDecimal(value: string): boolean {
	return DECIMAL.test(value.trim());
}

/** `value` × 10^scale as a BigInt, the extra digits cut towards zero. */
export function scaled(value: string, scale: number): bigint {
	const { negative, whole, fraction } = parse(value);
	const digits = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
	return negative ? -digits : digits;
}

/** A BigInt at `scale` back to a decimal string with exactly `scale` fraction digits. */
export function unscaled(amount: bigint, scale: number): string {
	const negative = amount < 0n;
	const digits = (negative ? -amount : amount).toString().padStart(scale + 1, '0');
	const whole = digits.slice(0, digits.length - scale);
	const fraction = digits.slice(digits.length - scale);
	const text = scale > 0 ? `${whole}.${fraction}` : whole;
	return negative && amount !== 0n ? `-${text}` : text;
}

const SCALE = 18;

/** The exact sum of decimal strings. */
export function sum(values: string[]): string {
	return trim(unscaled(values.reduce((total, v) => total + scaled(v, SCALE), 0n), SCALE));
}

/** a − b, exactly. */
export function subtract(a: string, b: string): string {
	return trim(unscaled(scaled(a, SCALE) - scaled(b, SCALE), SCALE));
}

/** −1, 0 or 1. */
export function sign(value: string): -1 | 0 | 1 {
	const s = scaled(value, SCALE);
	return s < 0n ? -1 : s > 0n ? 1 : 0;
}

/** −1, 0 or 1 as a is below, equal to or above b. */
export function compare(a: string, b: string): -1 | 0 | 1 {
	return sign(subtract(a, b));
}

/** Without trailing fraction zeros (`1.500` → `1.5`, `2.00` → `2`). */
export function trim(value: string): string {
	return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

/**
 * `value` rounded to `places` fraction digits, half away from zero (₹0.005 → ₹0.01,
 * −₹0.005 → −₹0.01), as parts; a result of zero is never negative.
 */
export function round(value: string, places: number): Parts {
	const { negative, whole, fraction } = parse(value);
	const kept = fraction.slice(0, places).padEnd(places, '0');
	let digits = BigInt(whole + kept);
	if ((fraction[places] ?? '0') >= '5') digits += 1n;
	const text = digits.toString().padStart(places + 1, '0');
	return {
		negative: negative && digits !== 0n,
		whole: text.slice(0, text.length - places),
		fraction: text.slice(text.length - places)
	};
}
