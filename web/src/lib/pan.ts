/** The PAN format, checked as it is typed: five letters, four digits, one letter. */
import type { Message } from './i18n/index.svelte';

const PAN = /^[A-Z]{5}[0-9]{4}[A-Z]$/;

/** What is wrong with a (partly typed) PAN, or null when it is a whole valid PAN. */
export function panProblem(value: string): Message | null {
	if (PAN.test(value)) return null;
	for (let i = 0; i < value.length; i++) {
		const c = value[i] ?? '';
		const letter = /[A-Z]/.test(c);
		const digit = /[0-9]/.test(c);
		if ((i < 5 || i === 9) && !letter) return 'Characters 1–5 and 10 of a PAN are letters.';
		if (i >= 5 && i < 9 && !digit) return 'Characters 6–9 of a PAN are digits.';
	}
	return value.length > 10 ? 'A PAN has 10 characters.' : 'A PAN has 10 characters.';
}
