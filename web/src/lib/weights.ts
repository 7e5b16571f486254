/** Smallcase weights as the API sends them (decimal strings), compared version to version. */
import { compare, subtract } from './decimal';

export interface Constituent {
	symbol: string;
	weight: string;
}

export interface WeightChange {
	symbol: string;
	before: string;
	after: string;
	change: string;
	/** 'in' added, 'out' removed, 'up'/'down' reweighted, 'same'. */
	kind: 'in' | 'out' | 'up' | 'down' | 'same';
}

/** Old against new weights, one line per symbol in either, sorted by symbol. */
export function weightChanges(before: Constituent[], after: Constituent[]): WeightChange[] {
	const old = new Map(before.map((c) => [c.symbol, c.weight]));
	const now = new Map(after.map((c) => [c.symbol, c.weight]));
	const symbols = [...new Set([...old.keys(), ...now.keys()])].sort();
	return symbols.map((symbol) => {
		const b = old.get(symbol) ?? '0';
		const a = now.get(symbol) ?? '0';
		const direction = compare(a, b);
		const kind = !old.has(symbol) ? 'in' : !now.has(symbol) ? 'out' : direction > 0 ? 'up' : direction < 0 ? 'down' : 'same';
		return { symbol, before: b, after: a, change: subtract(a, b), kind };
	});
}
