/** The PAN format, checked as it is typed: five letters, four digits, one letter. */
import type { Message } from './i18n/index.svelte';

const PAN = /^[A-Z]{5}[0-9]{4}[A-Z]$/;

/**
 * What is wrong with a PAN being typed: a character in the wrong place at once, and a
 * wrong length once the PAN is `complete` (the field was left or the form sent); null when
 * nothing is wrong yet.
 */
export function panProblem(value: string, complete = true): Message | null {
	if (PAN.test(value)) return null;
	for (let i = 0; i < value.length; i++) {
		const c = value[i] ?? '';
		if ((i < 5 || i === 9) && !/[A-Z]/.test(c)) return 'Characters 1–5 and 10 of a PAN are letters.';
		if (i >= 5 && i < 9 && !/[0-9]/.test(c)) return 'Characters 6–9 of a PAN are digits.';
	}
	return complete || value.length > 10 ? 'A PAN has 10 characters.' : null;
}
