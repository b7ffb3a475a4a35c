import type { Route } from './routes.js';

export const intuneRoutes: Route[] = [];
