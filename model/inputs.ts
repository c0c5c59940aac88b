// The one reader of the inputs the service tree declares per method: which mandatory inputs a
// body lacks, what of an update's body applies, and which members an action reads. Paths are
// dotted attribute names from the body's root; `id` names an identified value's id, and a
// path walks into every item of a list.
import { ActionDecl, InputRule, MethodInputs, StructType, attributeOf } from './meta';
import { Obj, Value, isObj } from './codec';

/** What is wrong with a declared path of `type`, step by step: the first step the type lacks. */
export function pathProblem(type: StructType, path: string): string | undefined {
  let t: StructType | undefined = type;
  const steps = path.split('.');
  for (const [i, step] of steps.entries()) {
    if (!t) return `'${path}' goes past a value with no members at '${steps[i - 1]}'`;
    if (step === 'id' && t.identified && i === steps.length - 1) return undefined;
    const a = attributeOf(t, step);
    if (!a) return `${t.name} has no attribute '${step}' (in '${path}')`;
    const at = a.type();
    t = at.kind === 'struct' ? at : undefined;
  }
  return undefined;
}

/** Whether `value` holds `steps`: a list holds them when it has items and every item does. */
function holds(value: Value | undefined, steps: readonly string[]): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every((v) => holds(v, steps));
  if (steps.length === 0) return value !== undefined && value !== '';
  return isObj(value) && holds(value[steps[0]], steps.slice(1));
}

const given = (body: Obj, path: string) => holds(body, path.split('.'));

/** Alternatives named as oVirt does: `cluster.id|name` for one link, `disk.id|snapshot.id` else. */
function nameOf(paths: readonly string[]): string {
  const parents = paths.map((p) => p.slice(0, Math.max(p.lastIndexOf('.'), 0)));
  if (paths.length > 1 && parents[0] !== '' && parents.every((p) => p === parents[0])) {
    return `${parents[0]}.${paths.map((p) => p.slice(parents[0].length + 1)).join('|')}`;
  }
  return paths.join('|');
}

function missingOf(rules: readonly InputRule[], body: Obj): string[] {
  return rules.filter((r) => r.mandatory && !r.paths.some((p) => given(body, p))).map((r) => nameOf(r.paths));
}

/**
 * The mandatory inputs `body` lacks, named as oVirt names them. With signatures, one must be
 * complete; when none is, the one the body went furthest in (the first of equals) is told.
 */
export function missingInputs(method: Pick<MethodInputs, 'inputs' | 'signatures'>, body: Obj): string[] {
  const missing = missingOf(method.inputs, body);
  const signatures = Object.values(method.signatures ?? {});
  if (signatures.length === 0) return missing;
  const gaps = signatures.map((rules) => ({
    missing: missingOf(rules, body),
    met: rules.filter((r) => r.mandatory && r.paths.some((p) => given(body, p))).length,
  }));
  if (gaps.some((g) => g.missing.length === 0)) return missing;
  const closest = gaps.reduce((best, g) => (g.met > best.met ? g : best));
  return [...missing, ...closest.missing];
}

/** Every path a method's inputs name, signatures included. */
function pathsOf(method: Pick<MethodInputs, 'inputs' | 'signatures'>): string[] {
  return [method.inputs, ...Object.values(method.signatures ?? {})].flat().flatMap((r) => r.paths);
}

/** The declared paths as a tree of steps; a step with no further steps takes its whole value. */
type Steps = Map<string, Steps>;

function stepsOf(paths: readonly string[]): Steps {
  const root: Steps = new Map();
  for (const path of paths) {
    let node = root;
    for (const step of path.split('.')) {
      let next = node.get(step);
      if (!next) node.set(step, (next = new Map()));
      node = next;
    }
  }
  return root;
}

function keep(value: Value, steps: Steps): Value | undefined {
  if (steps.size === 0) return value;
  if (Array.isArray(value)) return value.map((v) => keep(v, steps) ?? {});
  if (!isObj(value)) return undefined;
  const out: Obj = {};
  for (const [name, inner] of steps) {
    const v = value[name];
    const kept = v === undefined ? undefined : keep(v, inner);
    if (kept !== undefined) out[name] = kept;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * What of an update's body applies: the paths its inputs declare. The rest is ignored, as oVirt
 * ignores it, so clients may send back a whole object they read.
 */
export function updatable(method: Pick<MethodInputs, 'inputs' | 'signatures'>, body: Obj): Obj {
  return (keep(body, stepsOf(pathsOf(method))) as Obj | undefined) ?? {};
}

/**
 * The links of `type` an update's inputs reach through (`disk.alias` of a disk attachment): their
 * members change the linked object itself, so they are not references to replace.
 */
export function editedLinks(type: StructType, method: Pick<MethodInputs, 'inputs' | 'signatures'>): string[] {
  const edited = new Set<string>();
  for (const path of pathsOf(method)) {
    const [head, next] = path.split('.');
    if (next !== undefined && next !== 'id' && next !== 'name' && attributeOf(type, head)?.link) edited.add(head);
  }
  return [...edited];
}

/** An action's body with only the members the action reads. */
export function actionBody(action: ActionDecl, body: Obj): Obj {
  return Object.fromEntries(action.takes.filter((m) => body[m] !== undefined).map((m) => [m, body[m] as Value]));
}
