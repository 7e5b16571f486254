import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, toApiError } from './problem';
import { ok, getJson } from './client';
import { parseEvents } from '../live';

describe('problem+json', () => {
	it('keys a 422 by field, joining two problems of one field', () => {
		const error = toApiError(422, {
			type: 'about:blank',
			title: 'Unprocessable Content',
			status: 422,
			detail: 'the composition breaks the smallcase rules',
			errors: [
				{ field: 'constituents.0.symbol', message: "unknown symbol 'XYZ'" },
				{ field: 'constituents', message: 'weights must sum exactly to 100, sum to 90' },
				{ field: 'constituents', message: 'needs 1 to 50 constituents, has 0' }
			]
		});
		expect(error).toBeInstanceOf(ApiError);
		expect(error.status).toBe(422);
		expect(error.at('constituents.0.symbol')).toBe("unknown symbol 'XYZ'");
		expect(error.fields['constituents']).toBe('weights must sum exactly to 100, sum to 90; needs 1 to 50 constituents, has 0');
		expect(error.at('name')).toBeUndefined();
		expect(error.unplaced(['constituents'])).toEqual([]);
		expect(error.unplaced(['name'])).toHaveLength(2);
	});
	it('finds a nested field under its parent', () => {
		const error = toApiError(422, { title: 'x', detail: 'y', errors: [{ field: 'body.pan', message: 'bad' }] });
		expect(error.at('body')).toBe('bad');
	});
	it('reads FastAPI’s own 422 shape too', () => {
		const error = toApiError(422, { detail: [{ loc: ['body', 'pan'], msg: 'String should match pattern', type: 'x' }] });
		expect(error.at('pan')).toBe('String should match pattern');
	});
	it('keeps a refusal without fields as a message', () => {
		const error = toApiError(409, { title: 'Conflict', status: 409, detail: 'no pending intents to batch' });
		expect(error.message).toBe('no pending intents to batch');
		expect(error.fields).toEqual({});
	});
	it('survives a body that is not JSON', () => {
		const error = toApiError(502, '<html>Bad gateway</html>', 'Bad Gateway');
		expect(error.status).toBe(502);
		expect(error.title).toBe('Bad Gateway');
		expect(toApiError(500, null).title).toBe('HTTP 500');
	});
});

describe('the client', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('throws the problem of a refused call', async () => {
		const response = new Response(JSON.stringify({ title: 'Forbidden', status: 403, detail: 'managers only' }), { status: 403, headers: { 'content-type': 'application/problem+json' } });
		await expect(ok(Promise.resolve({ error: { title: 'Forbidden', status: 403, detail: 'managers only' }, response }))).rejects.toMatchObject({ status: 403, detail: 'managers only' });
	});
	it('turns a network failure into status 0', async () => {
		await expect(ok(Promise.reject(new TypeError('fetch failed')))).rejects.toMatchObject({ status: 0, title: 'Network error' });
	});
	it('reads problem+json from an untyped endpoint', async () => {
		vi.stubGlobal('location', new URL('http://app.test/app/'));
		vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ title: 'Not Found', status: 404, detail: 'no such batch' }), { status: 404, headers: { 'content-type': 'application/problem+json' } }));
		await expect(getJson('/batches')).rejects.toMatchObject({ status: 404, detail: 'no such batch' });
	});
	it('retries once with a fresh token after a 401 when the refresh cookie works', async () => {
		vi.stubGlobal('location', new URL('http://app.test/app/'));
		vi.stubGlobal('document', { cookie: 'saras_csrf=abc' });
		const seen: string[] = [];
		vi.stubGlobal('fetch', async (input: Request | string, init?: RequestInit) => {
			const request = input instanceof Request ? input : new Request(new URL(input, 'http://app.test'), init);
			const path = new URL(request.url).pathname;
			seen.push(`${path} ${request.headers.get('authorization') ?? ''} ${request.headers.get('x-csrf-token') ?? ''}`.trim());
			if (path === '/token/refresh') return new Response(JSON.stringify({ access_token: 'fresh' }), { status: 200 });
			if (request.headers.get('authorization') !== 'Bearer fresh') return new Response('{}', { status: 401 });
			return new Response('[1]', { status: 200 });
		});
		await expect(getJson('/intents')).resolves.toEqual([1]);
		expect(seen).toEqual(['/intents', '/token/refresh  abc', '/intents Bearer fresh']);
	});
});

describe('server-sent events', () => {
	it('splits events and keeps an unfinished one for later', () => {
		const { events, rest } = parseEvents('event: snapshot\ndata: {"state":"executing"}\n\n: keep-alive\n\ndata: plain\n\nevent: slice\ndata: {"a"');
		expect(events).toEqual([
			{ event: 'snapshot', data: { state: 'executing' } },
			{ event: 'message', data: 'plain' }
		]);
		expect(rest).toBe('event: slice\ndata: {"a"');
	});
});
