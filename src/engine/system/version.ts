// The engine's version: package.json's, for `dockerlite version` and the API's /version.
import { readFileSync } from 'node:fs';

let cached: string | undefined;
export function engineVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
