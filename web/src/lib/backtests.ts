/**
 * A manager's backtests: which runs are still going (to poll them), their progress as a
 * fraction, and opening a completed run's full report in a new tab. The report is the page
 * `saras backtest` writes; the bridge serves it under a sandboxed policy of its own, to a
 * form post that carries the access token (a link cannot carry the header, and a token never
 * goes in a URL; docs/web-security.md).
 */
import { tokenForForm } from './api/client';

export const POLL_MS = 3000;

export function isActive(run: { status: string }): boolean {
	return run.status === 'queued' || run.status === 'running';
}

/** Sessions done over sessions to run, 0 to 1 (0 while the total is unknown). */
export function progressOf(run: { days_done: number; days_total?: number | null }): number {
	return run.days_total ? Math.min(run.days_done / run.days_total, 1) : 0;
}

/** Open the run's HTML report in a new tab; false when there is no session to do it with. */
export async function openReport(runId: number): Promise<boolean> {
	const token = await tokenForForm();
	if (!token) return false;
	const form = document.createElement('form');
	form.method = 'post';
	form.action = `/backtests/${runId}/report`;
	form.target = '_blank';
	form.rel = 'noopener noreferrer';
	const field = document.createElement('input');
	field.type = 'hidden';
	field.name = 'access_token';
	field.value = token;
	form.append(field);
	document.body.append(form);
	form.submit();
	form.remove();
	return true;
}
