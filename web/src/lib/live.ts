/**
 * Live batch progress: the bridge's server-sent events at `GET /batches/{id}/events`, read
 * with fetch (so the access token goes in the Authorization header, which EventSource
 * cannot send). Each event is handed on parsed; when the stream is missing or breaks, the
 * caller is told so it can fall back to reloading.
 */
import { authedFetch } from './api/client';

export interface LiveEvent {
	event: string;
	data: unknown;
}

/** Split a server-sent-events text stream into events (exported for the unit tests). */
export function parseEvents(buffer: string): { events: LiveEvent[]; rest: string } {
	const events: LiveEvent[] = [];
	const blocks = buffer.replace(/\r\n/g, '\n').split('\n\n');
	const rest = blocks.pop() ?? '';
	for (const block of blocks) {
		let event = 'message';
		const data: string[] = [];
		for (const line of block.split('\n')) {
			if (line.startsWith(':')) continue;
			const colon = line.indexOf(':');
			const field = colon < 0 ? line : line.slice(0, colon);
			const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
			if (field === 'event') event = value;
			else if (field === 'data') data.push(value);
		}
		if (data.length === 0) continue;
		const text = data.join('\n');
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			/* plain text data */
		}
		events.push({ event, data: parsed });
	}
	return { events, rest };
}

/** Follow a batch's events until `signal` aborts; resolves false when there is no stream. */
export async function follow(batchId: number, onEvent: (e: LiveEvent) => void, signal: AbortSignal): Promise<boolean> {
	let response: Response;
	try {
		response = await authedFetch(new Request(new URL(`/batches/${batchId}/events`, location.origin), { signal, headers: { Accept: 'text/event-stream' } }));
	} catch {
		return false;
	}
	if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) return false;
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = '';
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			buffer += value;
			const parsed = parseEvents(buffer);
			buffer = parsed.rest;
			parsed.events.forEach(onEvent);
		}
	} catch {
		/* aborted or broken: the caller falls back */
	}
	return true;
}
