// The model's self-check: every name one declaration gives another (an `inherits` link, a
// collection's `owner`, the inputs of each method and the members each action takes, an add's
// `on` and `linked` links, the `rel` of a list link the tree serves, search fields, bounded
// products and orders) must name what it claims to, and every link must lead to a declared
// type. A misspelling would otherwise compile and silently change behaviour (a misspelled `inherits` drops permission
// inheritance), so the engine refuses to start on a model that fails it.
import { Attribute, CollectionService, StructType, ValueType, attributeOf } from './meta';
import { CollectionRoute } from './tree';
import { pathProblem } from './inputs';
import * as T from './types';

/** The attribute at a dotted path through structured values and links, if the path names one. */
function attributeAt(type: StructType, path: string): Attribute | undefined {
  let t: StructType = type;
  let a: Attribute | undefined;
  for (const name of path.split('.')) {
    a = attributeOf(t, name);
    if (!a) return undefined;
    const next = a.type();
    if (next.kind === 'struct') t = next;
  }
  return a;
}

/**
 * Whether the path names a single value held in the object itself (not through a list, nor a link
 * but into the reference to a computed object, which has no table), as a column holds.
 */
function keptInColumn(type: StructType, path: string): boolean {
  let t: StructType = type;
  for (const [i, name] of path.split('.').entries()) {
    const a = attributeOf(t, name);
    const last = i === path.split('.').length - 1;
    if (!a || a.list || (a.link && (last || !(a.type() as StructType).computed))) return false;
    const next = a.type();
    if (last) return next.kind !== 'struct';
    if (next.kind !== 'struct') return false;
    t = next;
  }
  return false;
}

/** Every struct type reachable from `roots` through attributes. */
export function typesFrom(roots: readonly StructType[]): StructType[] {
  const seen = new Set<StructType>();
  const visit = (t: StructType) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const a of t.attributes) {
      const at: ValueType | undefined = a.type();
      if (at?.kind === 'struct') visit(at);
    }
  };
  roots.forEach(visit);
  return [...seen];
}

function typeProblems(type: StructType): string[] {
  const out: string[] = [];
  const where = (what: string) => `${type.name}: ${what}`;
  if (type.inherits !== undefined) {
    const a = attributeOf(type, type.inherits);
    if (!a || !a.link || a.list) out.push(where(`inherits '${type.inherits}', which is not a link to one object`));
  }
  // A link's target is not type-checked (see `link` in meta.ts), so it is checked here.
  for (const a of type.attributes.filter((x) => x.link)) {
    const target: ValueType | undefined = a.type();
    if (target?.kind !== 'struct') out.push(where(`${a.name} links to something that is not a declared type`));
  }
  for (const [name, f] of Object.entries(type.search)) {
    if (f.kind === 'own' && !attributeAt(type, f.path)) out.push(where(`search field ${name} names no attribute '${f.path}'`));
    else if (f.kind === 'own' && f.path !== 'id' && !keptInColumn(type, f.path)) out.push(where(`search field ${name}: '${f.path}' is not a value of the object's own, which a column can hold`));
    if (f.kind === 'link') {
      let t: StructType | undefined = type;
      for (const l of f.links) {
        const a: Attribute | undefined = t && attributeOf(t, l);
        const target: ValueType | undefined = a?.link ? a.type() : undefined;
        t = target?.kind === 'struct' ? target : undefined;
        if (!t) out.push(where(`search field ${name} follows '${l}', which is not a link`));
        if (!t) break;
      }
      if (t && !attributeAt(t, f.field)) out.push(where(`search field ${name} names no attribute '${f.field}' of ${t.name}`));
      const parent = t && f.under !== undefined ? attributeOf(t, f.under) : undefined;
      if (t && f.under !== undefined && (!parent?.link || parent.list || parent.type() !== t)) {
        out.push(where(`search field ${name} climbs '${f.under}', which is not a link of ${t.name} to its parent`));
      }
    }
    if (f.kind === 'reverse') {
      const other = f.type();
      const a = attributeOf(other, f.link);
      if (!a?.link || a.type() !== type) out.push(where(`search field ${name}: ${other.name}.${f.link} is not a link to ${type.name}`));
      if (!attributeAt(other, f.field)) out.push(where(`search field ${name} names no attribute '${f.field}' of ${other.name}`));
    }
  }
  for (const path of [...(type.product?.of ?? []), ...(type.ordered ?? []).flat()]) {
    if (!attributeAt(type, path)) out.push(where(`a bound names no attribute '${path}'`));
  }
  return out;
}

const inputProblem = (type: StructType, path: string, method: string): string[] => {
  const problem = pathProblem(type, path);
  return problem ? [`${method}: ${problem}`] : [];
};

function serviceProblems(collection: CollectionService): string[] {
  const out: string[] = [];
  const type = collection.type();
  const where = (what: string) => `${collection.name}: ${what}`;
  if (collection.owner !== undefined) {
    const a = attributeOf(type, collection.owner);
    if (!a?.link) out.push(where(`owner '${collection.owner}' is not a link of ${type.name}`));
  }
  for (const name of collection.add?.on ?? []) {
    if (!attributeOf(type, name)?.link) out.push(where(`the add acts on '${name}', which is not a link of ${type.name}`));
  }
  for (const { link } of collection.add?.linked ?? []) {
    if (!attributeOf(type, link)?.link) out.push(where(`the add checks a permit on '${link}', which is not a link of ${type.name}`));
  }
  const entity = collection.entity();
  const methods = [
    { name: `${collection.name}.add`, type, m: collection.add },
    { name: `${entity.name}.update`, type: entity.type(), m: entity.update },
  ];
  for (const { name, type: of, m } of methods) {
    for (const rule of [m?.inputs ?? [], ...Object.values(m?.signatures ?? {})].flat()) {
      for (const path of rule.paths) out.push(...inputProblem(of, path, name));
    }
  }
  for (const a of entity.actions) {
    for (const path of [...a.takes, ...a.inputs.flatMap((r) => r.paths)]) out.push(...inputProblem(T.Action, path, `${entity.name}.${a.name}`));
  }
  if (entity.type() !== type) out.push(where(`its entity ${entity.name} serves ${entity.type().name}, not ${type.name}`));
  // Where the entity serves the objects a list link names, its rel must lead there.
  const served = Object.entries(entity.locators).map(([segment, locate]) => ({ segment, type: locate().type() }));
  for (const a of type.attributes.filter((x) => x.list && x.link && x.rel !== undefined)) {
    const segments = served.filter((s) => s.type === a.type()).map((s) => s.segment);
    if (segments.length && !segments.includes(String(a.rel))) {
      out.push(where(`${type.name}.${a.name} has rel '${String(a.rel)}', but ${entity.name} serves those at ${segments.join(', ')}`));
    }
  }
  return out;
}

/** What is wrong with the model of these routes; nothing for a sound one. */
export function modelProblems(routes: readonly CollectionRoute[]): string[] {
  const collections = [...new Set(routes.map((r) => r.collection))];
  const types = typesFrom(collections.map((c) => c.type()));
  return [...new Set([...types.flatMap(typeProblems), ...collections.flatMap(serviceProblems)])];
}

/** Fails, listing every problem, unless the model of `routes` is sound. */
export function checkModel(routes: readonly CollectionRoute[]): void {
  const problems = modelProblems(routes);
  if (problems.length) throw new Error(`The model does not check:\n  ${problems.join('\n  ')}`);
}
