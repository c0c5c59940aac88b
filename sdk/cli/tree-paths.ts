// The paths the command line takes (`vms`, `vms/myvm`, `vms/myvm/nics/nic1`), read against the
// service tree: collection segments alternate with the id or name of one of their members.
import { CollectionRoute, collectionRoutes } from '../../model/tree';

export interface TreePath {
  /** The route of the last collection the path names. */
  readonly route: CollectionRoute;
  /** The id or name given for each collection of the route's chain, but the last when the path ends at it. */
  readonly keys: readonly string[];
}

/** Whether the path names one member of its last collection, not the collection. */
export const namesEntity = (p: TreePath) => p.keys.length === p.route.chain.length;

const routes = new Map(collectionRoutes.map((r) => [r.segments.map((s) => s ?? '').join('/'), r]));

/** Splits `vms/my vm/nics` into its steps; a name holding a `/` is given with `%2F`. */
const stepsOf = (text: string) => text.replace(/^\/+|\/+$/g, '').split('/').map(decodeURIComponent);

/** Reads a command-line path; throws an error telling what the tree has where it went wrong. */
export function parseTreePath(text: string): TreePath {
  const steps = stepsOf(text);
  const segments: string[] = [];
  const keys: string[] = [];
  for (const [i, step] of steps.entries()) {
    if (i % 2 === 1) {
      keys.push(step);
      continue;
    }
    const here = [...segments, step].join('/');
    if (!routes.has(here)) {
      throw new Error(`No collection '${step}' ${segments.length ? `under '${steps.slice(0, i).join('/')}'` : 'at the root'}; there are: ${childSegments(segments).join(', ')}`);
    }
    segments.push(step, '');
  }
  return { route: routes.get(segments.slice(0, -1).join('/'))!, keys };
}

/** The collection segments under a path's segments (`['vms', '']` → nics, disks, ...). */
function childSegments(segments: readonly string[]): string[] {
  return collectionRoutes.filter((r) => r.segments.length === segments.length + 1 && segments.every((s, i) => (r.segments[i] ?? '') === s))
    .map((r) => r.segments[segments.length] as string);
}

/**
 * What may follow `prefix` in a path, for shell completion: the collections at its level, after
 * a collection step a `/` to give a member.
 */
export function completePath(prefix: string): string[] {
  const steps = prefix.split('/');
  const done = steps.slice(0, -1);
  // A member's name or id: the tree does not know them.
  if (done.length % 2 === 1) return [];
  try {
    if (done.length) parseTreePath(done.join('/'));
  } catch {
    return [];
  }
  const head = done.length ? `${done.join('/')}/` : '';
  const segments = done.map((s, i) => (i % 2 === 1 ? '' : s));
  return childSegments(segments).filter((s) => s.startsWith(steps[steps.length - 1])).map((s) => `${head}${s}`);
}
