import { describe, expect, it } from 'vitest';
import { panProblem } from './pan';

describe('PAN as typed', () => {
	it('accepts a whole PAN', () => expect(panProblem('ABCPN1234K')).toBeNull());
	it('says nothing about a good start while typing', () => {
		expect(panProblem('ABCP', false)).toBeNull();
		expect(panProblem('ABCPN12', false)).toBeNull();
	});
	it('flags a wrong character at once', () => {
		expect(panProblem('ABCP1', false)).toBe('Characters 1–5 and 10 of a PAN are letters.');
		expect(panProblem('ABCPNX', false)).toBe('Characters 6–9 of a PAN are digits.');
		expect(panProblem('ABCPN12345', false)).toBe('Characters 1–5 and 10 of a PAN are letters.');
	});
	it('flags a short PAN once complete', () => expect(panProblem('ABCPN123')).toBe('A PAN has 10 characters.'));
});
