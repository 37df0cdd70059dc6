// _ping and /version: what clients call first to negotiate the API version.
import { arch, release } from 'node:os';
import type { Route } from '../router.js';
import { API_VERSION, MIN_API_VERSION, sendJson } from '../http.js';
import { engineVersion } from '../../engine/system/version.js';

/** Docker's GOARCH names for node's. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
export const goArch = (): string => GOARCH[arch()] ?? arch();

function ping(r: Parameters<Route['handler']>[0]) {
  // dockerd: no caching, the builder it prefers, and "OK" (no body for HEAD).
  r.res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Builder-Version': '1',
    'Content-Length': r.req.method === 'HEAD' ? 0 : 2,
  });
  r.res.end(r.req.method === 'HEAD' ? undefined : 'OK');
}

const routes: Route[] = [
  { method: ['GET', 'HEAD'], path: '/_ping', handler: ping },
  {
    method: 'GET',
    path: '/version',
    handler: (r) => {
      const v = engineVersion();
      const details = {
        ApiVersion: API_VERSION,
        Arch: goArch(),
        BuildTime: '',
        GitCommit: '',
        GoVersion: `node ${process.version}`,
        KernelVersion: release(),
        MinAPIVersion: MIN_API_VERSION,
        Os: 'linux',
      };
      sendJson(r.res, 200, {
        Platform: { Name: 'dockerlite' },
        Components: [{ Name: 'Engine', Version: v, Details: details }],
        Version: v,
        ...details,
      });
    },
  },
];
export default routes;
