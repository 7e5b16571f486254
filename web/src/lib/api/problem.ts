/**
 * RFC 9457 problem+json refusals from the bridge, made into one error type the pages show:
 * a 422's per-field problems keyed by field (`constituents.0.weight`), everything else as a
 * message at the top of the form or page.
 */

export interface FieldProblem {
	field: string;
	message: string;
}

export class ApiError extends Error {
	readonly status: number;
	readonly title: string;
	readonly detail: string;
	/** Field path → message, for the fields a 422 names. */
	readonly fields: Record<string, string>;

	constructor(status: number, title: string, detail: string, fields: Record<string, string> = {}) {
		super(detail || title);
		this.name = 'ApiError';
		this.status = status;
		this.title = title;
		this.detail = detail;
		this.fields = fields;
	}

	/** The message for `field` (or any nested field under it), if the refusal names it. */
	at(field: string): string | undefined {
		if (field in this.fields) return this.fields[field];
		const nested = Object.keys(this.fields).find((f) => f.startsWith(`${field}.`));
		return nested === undefined ? undefined : this.fields[nested];
	}

	/** Whether the refusal is about fields other than `shown` (so the page should say so). */
	unplaced(shown: string[]): string[] {
		return Object.entries(this.fields)
			.filter(([f]) => !shown.some((s) => f === s || f.startsWith(`${s}.`)))
			.map(([f, m]) => (f ? `${f}: ${m}` : m));
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An ApiError from a response's status and its parsed body (problem+json or anything else). */
export function toApiError(status: number, body: unknown, statusText = ''): ApiError {
	if (!isRecord(body)) {
		const text = typeof body === 'string' && body.trim() ? body.trim().slice(0, 200) : '';
		return new ApiError(status, statusText || `HTTP ${status}`, text || statusText || `HTTP ${status}`);
	}
	const title = typeof body.title === 'string' ? body.title : statusText || `HTTP ${status}`;
	const detail = typeof body.detail === 'string' ? body.detail : title;
	const fields: Record<string, string> = {};
	if (Array.isArray(body.errors)) {
		for (const item of body.errors) {
			if (isRecord(item) && typeof item.message === 'string') {
				const field = typeof item.field === 'string' ? item.field : '';
				fields[field] = field in fields ? `${fields[field]}; ${item.message}` : item.message;
			}
		}
	} else if (Array.isArray(body.detail)) {
		// FastAPI's own 422 shape, should a route ever answer it unconverted.
		for (const item of body.detail) {
			if (isRecord(item) && Array.isArray(item.loc) && typeof item.msg === 'string') {
				fields[item.loc.filter((p) => p !== 'body').join('.')] = item.msg;
			}
		}
		return new ApiError(status, title, 'Invalid input', fields);
	}
	return new ApiError(status, title, detail, fields);
}

/** A network failure (no response at all) as an ApiError with status 0. */
export function networkError(cause: unknown): ApiError {
	const message = cause instanceof Error ? cause.message : String(cause);
	return new ApiError(0, 'Network error', `The server could not be reached (${message}).`);
}
