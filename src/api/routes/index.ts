// Every group of endpoints, one file each. A route earlier in this list wins
// over a later one with the same method and path.
import type { Route } from '../router.js';

export const ROUTE_GROUPS: Array<() => Promise<{ default: Route[] }>> = [
  () => import('./version.js'),
  () => import('./containers.js'),
  () => import('./exec.js'),
  () => import('./images.js'),
  () => import('./networks.js'),
  () => import('./volumes.js'),
  () => import('./system.js'),
  () => import('./events.js'),
  () => import('./build.js'),
  // Fallbacks, last: a minimal /info until the system group serves the full one.
  () => import('./fallback.js'),
];
