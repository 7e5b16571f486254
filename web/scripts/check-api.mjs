// Fails when the committed client types (src/lib/api/schema.d.ts) are not what
// openapi-typescript makes from the committed OpenAPI (src/lib/api/openapi.json), i.e. the
// client is stale. `saras web openapi` refreshes openapi.json from the bridge; then
// `npm run gen:api` regenerates the types.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'saras-api-'));
const fresh = join(dir, 'schema.d.ts');
try {
	execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', 'src/lib/api/openapi.json', '-o', fresh], { stdio: ['ignore', 'ignore', 'inherit'] });
	const committed = readFileSync('src/lib/api/schema.d.ts', 'utf8');
	if (readFileSync(fresh, 'utf8') !== committed) {
		console.error('The typed API client is stale: src/lib/api/schema.d.ts differs from what openapi.json gives.\nRun `npm run gen:api` in web/ (after `saras web openapi`) and commit the result.');
		process.exit(1);
	}
	console.log('API client is up to date with src/lib/api/openapi.json.');
} finally {
	rmSync(dir, { recursive: true, force: true });
}
