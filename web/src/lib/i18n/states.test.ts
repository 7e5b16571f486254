import { describe, expect, it } from 'vitest';
import openapi from '../api/openapi.json';
import { hiStates, stateLabel } from './states';

type Schema = { enum?: string[]; properties?: Record<string, Schema> };

/** Every value the API declares for a status or state: named enums and inline ones. */
function declaredStates(): Set<string> {
	const found = new Set<string>();
	const schemas = openapi.components.schemas as Record<string, Schema>;
	for (const [name, schema] of Object.entries(schemas)) {
		if (/(Status|State)$/.test(name)) schema.enum?.forEach((v) => found.add(v));
		for (const [field, property] of Object.entries(schema.properties ?? {})) {
			if (/(status|state)$/.test(field)) property.enum?.forEach((v) => found.add(v));
		}
	}
	return found;
}

describe('state words', () => {
	it('has a Hindi word for every status the API declares', () => {
		const states = declaredStates();
		expect(states.size).toBeGreaterThan(10);
		expect([...states].filter((s) => !(s in hiStates))).toEqual([]);
	});

	it('shows English identifiers with spaces and Hindi from the table', () => {
		expect(stateLabel('partially_completed', 'en')).toBe('partially completed');
		expect(stateLabel('partially_completed', 'hi')).toBe('आंशिक रूप से पूर्ण');
		expect(stateLabel('some_new_state', 'hi')).toBe('some new state');
	});
});
