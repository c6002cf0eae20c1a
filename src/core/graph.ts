// Dependency graphs, as config files and scenarios declare them.

/** The first dependency loop found, as a path that ends where it starts (a → b → a), or undefined. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'open');
    for (const d of deps.get(id) ?? []) {
      const loop = visit(d, [...trail, id]);
      if (loop) return loop;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of deps.keys()) {
    const loop = visit(id, []);
    if (loop) return loop;
  }
  return undefined;
}
