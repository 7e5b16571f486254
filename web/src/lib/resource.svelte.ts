/** One thing a page loads: its data, its error and whether it is loading, reloadable. */
import { ApiError, networkError } from './api/problem';

export function asApiError(cause: unknown): ApiError {
	return cause instanceof ApiError ? cause : networkError(cause);
}

export class Resource<T> {
	data = $state<T | undefined>(undefined);
	error = $state<ApiError | undefined>(undefined);
	loading = $state(true);
	#load: () => Promise<T>;

	constructor(load: () => Promise<T>, start = true) {
		this.#load = load;
		if (start) void this.reload();
	}

	async reload(): Promise<void> {
		this.loading = true;
		try {
			this.data = await this.#load();
			this.error = undefined;
		} catch (cause) {
			this.error = asApiError(cause);
		} finally {
			this.loading = false;
		}
	}
}

/** A form's submission: busy while it runs, its refusal kept for the fields to show. */
export class Submission {
	busy = $state(false);
	error = $state<ApiError | undefined>(undefined);
	done = $state(false);

	async run(action: () => Promise<unknown>): Promise<boolean> {
		this.busy = true;
		this.error = undefined;
		this.done = false;
		try {
			await action();
			this.done = true;
			return true;
		} catch (cause) {
			this.error = asApiError(cause);
			return false;
		} finally {
			this.busy = false;
		}
	}
}
