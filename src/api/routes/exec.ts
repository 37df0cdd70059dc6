import type { Route } from '../router.js';
const routes: Route[] = [];
export default routes;
