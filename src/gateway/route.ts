// Which upstreams a request tries, in which order: pure, from the route's list and each upstream's state.
//   healthy (up) upstreams first, in the route's order;
//   then recovering ones, except that every `trickleEvery`-th request puts them first, so a
//   recovering upstream gets the trickle of real traffic that brings it back (a failure there costs
//   the client nothing: nothing was sent yet, and the request moves on to the next upstream);
//   avoided (down) upstreams last, as a last resort when nothing better answers.
import type { HealthState } from './health.js';

export interface RouteUpstream {
  id: string;
  modelMap: Readonly<Record<string, string>>;
}

export interface Route {
  name: string;
  models: readonly string[];
  upstreams: readonly RouteUpstream[];
}

export function attemptOrder(upstreams: readonly RouteUpstream[], state: (id: string) => HealthState, trickle: boolean, maxAttempts: number): RouteUpstream[] {
  const by = (s: HealthState) => upstreams.filter((u) => state(u.id) === s);
  const up = by('up');
  const recovering = by('recovering');
  if (trickle && recovering.length > 0) {
    // The trickle attempt comes on top of maxAttempts, so it never costs the request its healthy upstream.
    return [recovering[0]!, ...[...up, ...recovering.slice(1), ...by('down')].slice(0, maxAttempts)];
  }
  return [...up, ...recovering, ...by('down')].slice(0, maxAttempts);
}

/** Where the route's traffic goes now (the first upstream a request without trickle tries). */
export function activeUpstream(upstreams: readonly RouteUpstream[], state: (id: string) => HealthState): string | undefined {
  return attemptOrder(upstreams, state, false, 1)[0]?.id;
}

/** The route serving a client model name: the one naming it, else the one with "*". */
export function routeFor<R extends Pick<Route, 'models'>>(routes: readonly R[], model: string): R | undefined {
  return routes.find((r) => r.models.includes(model)) ?? routes.find((r) => r.models.includes('*'));
}

/** The model name sent to an upstream. */
export function upstreamModel(u: RouteUpstream, model: string): string {
  return Object.hasOwn(u.modelMap, model) ? u.modelMap[model]! : model;
}

/** Every `every`-th call returns true: a deterministic share of requests, so tests and replays repeat. */
export function trickleTicker(share: number): () => boolean {
  const every = Math.max(1, Math.round(1 / share));
  let n = 0;
  return () => ++n % every === 0;
}
