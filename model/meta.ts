// The metamodel: how API types, their attributes and the service tree are declared.
// Everything on the wire (readers, writers, routes, links, actions, store columns) is
// derived from declarations made with these builders, never written per type.

import type { Obj } from './codec/value';
import type * as Types from './types';

export type PrimitiveName = 'string' | 'integer' | 'boolean' | 'decimal' | 'date';

export interface PrimitiveType<N extends PrimitiveName = PrimitiveName> {
  readonly kind: 'primitive';
  readonly name: N;
}

/** The TypeScript type of a primitive's values in memory (dates are ISO 8601 text). */
interface PrimitiveValues {
  string: string;
  integer: number;
  boolean: boolean;
  decimal: number;
  date: string;
}

/** An enumerated type; `V` is the union of its values. */
export interface EnumType<V extends string = string> {
  readonly kind: 'enum';
  readonly name: string;
  readonly values: readonly V[];
}

export interface StructType {
  readonly kind: 'struct';
  /** oVirt type name, e.g. `DataCenter`. */
  readonly name: string;
  /** Element (XML) and member (JSON) name of one value, e.g. `data_center`. */
  readonly element: string;
  /** Element of a list of values, e.g. `data_centers`. */
  readonly plural: string;
  /** Identified types carry `id` (and `href` when they live in a collection). */
  readonly identified: boolean;
  /** Attributes in wire order, those of the type it extends first. */
  readonly attributes: readonly Attribute[];
  /** The link to the object whose permissions apply to this one too (a VM's `cluster`). */
  readonly inherits?: string;
  /** The fields a `search` query may name, for the collections of this type. */
  readonly search: Readonly<Record<string, SearchField>>;
  /** A bound on the product of some integer attributes (a VM's vCPUs: sockets × cores × threads). */
  readonly product?: ProductLimit;
  /** Pairs of attribute paths `[a, b]` where a given `a` must not exceed a given `b` (guaranteed ≤ memory). */
  readonly ordered?: readonly (readonly [string, string])[];
  /**
   * Objects of this type are made by the engine when asked (from the runtime, the file system
   * or other objects), never stored; every other type a collection serves has a table.
   */
  readonly computed: boolean;
  readonly doc: string;
}

/** Inclusive bounds of an integer or decimal attribute, checked on every body a client sends. */
export interface Range {
  readonly min?: number;
  readonly max?: number;
}

export interface ProductLimit {
  /** The attributes multiplied; one a body leaves out counts as its range's minimum (or 1). */
  readonly of: readonly string[];
  readonly max: number;
}

/**
 * A field of the search language: an attribute path of the type itself (`status`,
 * `hardware_information.uuid`), a path of links ending at a field of the object reached
 * (`cluster` → the cluster's name; `cluster.data_center`), or the objects of another type that
 * link to this one (a data center's `storage`: the storage domains attached to it).
 */
export type SearchField =
  | { readonly kind: 'own'; readonly path: string }
  | { readonly kind: 'link'; readonly links: readonly string[]; readonly field: string; readonly unlinkedInAll?: boolean; readonly under?: string }
  | { readonly kind: 'reverse'; readonly type: () => StructType; readonly link: string; readonly field: string };

/** Searches an attribute (or a path into structured attributes) of the type itself. */
export const own = (path: string): SearchField => ({ kind: 'own', path });
/**
 * Searches a field (default `name`) of the object at the end of a path of links; with `under`,
 * the link of that object's type to its parent, of that object or of one above it (a tag's).
 */
export const via = (links: string | string[], field = 'name', under?: string): SearchField => ({
  kind: 'link', links: Array.isArray(links) ? links : [links], field, under,
});
/** Searches a field (default `name`) of the objects of `type` whose `link` points at this one. */
export const linkedFrom = (type: () => StructType, link: string, field = 'name'): SearchField => ({ kind: 'reverse', type, link, field });

export type ValueType = PrimitiveType | EnumType | StructType;

export interface Attribute {
  /** Wire name, snake_case exactly as oVirt's model spells it. */
  readonly name: string;
  /** Lazy, because types refer to each other in cycles. */
  readonly type: () => ValueType;
  /** Several values: `<name><item/>...</name>` in XML, `{"name": {"item": [...]}}` in JSON. */
  readonly list: boolean;
  /** Element of one list item when it is not the struct's own element or the singular name. */
  readonly item?: string;
  /** A reference to another entity (`<cluster href id/>`), not a value this entity holds. */
  readonly link: boolean;
  /** For list links: `rel` of the sub-collection that serves them (`diskattachments`). */
  readonly rel?: string;
  /** Computed by the engine; ignored when a client sends it. */
  readonly readOnly: boolean;
  /** Accepted from clients but never written back (passwords). */
  readonly secret: boolean;
  /** Kept in its own database column, so it can be filtered and sorted on. */
  readonly column: boolean;
  /** Written only when the client asks for `all_content`. */
  readonly allContent: boolean;
  /** The values a client may give (oVirt's limits); none when any value of the type will do. */
  readonly range?: Range;
  readonly doc: string;
}

export interface AttributeOptions {
  readOnly?: boolean;
  secret?: boolean;
  column?: boolean;
  allContent?: boolean;
  item?: string;
  rel?: string;
  range?: Range;
}

// Compile-time only: what the builders infer. No value carries these members.
declare const VALUE: unique symbol;
declare const SHAPE: unique symbol;

/** An attribute as a builder declares it; `V` is the TypeScript type of its value. */
export interface AttributeSpec<V = unknown> extends Omit<Attribute, 'name'> {
  readonly [VALUE]?: V;
}

/** A declared struct type that knows the TypeScript type `O` of its objects, and its name `N`. */
export interface TypedStruct<O, N extends string = string> extends StructType {
  readonly [SHAPE]: O;
  readonly name: N;
}

/**
 * The objects of a declared type, inferred from its declaration (`ObjOf<typeof Vm>`): every
 * attribute optional, as objects hold some of them. An undeclared type (`StructType` in generic
 * code) holds any `Obj`.
 */
export type ObjOf<T extends StructType> = T extends TypedStruct<infer O> ? O : Obj;

type Declared = typeof Types;
/** Every declared entity type, by its name. */
type EntitiesByName = {
  [K in keyof Declared as Declared[K] extends TypedStruct<unknown, infer N> ? (string extends N ? never : N) : never]: Declared[K];
};

/**
 * A declared entity type as the service tree holds it, named: what the compiler writes out for
 * a service (declaration files) says `DeclaredStruct<"Vm">` instead of spelling out every
 * attribute of `Vm` again, and it is the same type as `typeof Vm`.
 */
export interface DeclaredStruct<N extends keyof EntitiesByName> extends TypedStruct<ObjOf<EntitiesByName[N]>, N> {}

/**
 * What a link holds: a reference to an object, by id as the engine stores it, or by name as a
 * client may give it. Its type does not depend on the target's, so types may link in cycles.
 */
export type Ref = {
  id?: string;
  name?: string;
  href?: string;
};

type ValueOf<S> = S extends AttributeSpec<infer V> ? V : never;
type Simplify<O> = { [K in keyof O]: O[K] } & {};
type ShapeOf<A> = { -readonly [K in keyof A]?: ValueOf<A[K]> };
/** `B`'s members, each replaced by the one of `A` of its name, and `A`'s other members. */
type Extended<B, A> = Simplify<Omit<B, keyof A> & A>;
type Attributes = Record<string, AttributeSpec>;

export const STRING: PrimitiveType<'string'> = { kind: 'primitive', name: 'string' };
export const INTEGER: PrimitiveType<'integer'> = { kind: 'primitive', name: 'integer' };
export const BOOLEAN: PrimitiveType<'boolean'> = { kind: 'primitive', name: 'boolean' };
export const DECIMAL: PrimitiveType<'decimal'> = { kind: 'primitive', name: 'decimal' };
export const DATE: PrimitiveType<'date'> = { kind: 'primitive', name: 'date' };

function spec<V>(
  type: ValueType | (() => ValueType),
  doc: string,
  shape: { list: boolean; link: boolean },
  o: AttributeOptions = {},
): AttributeSpec<V> {
  return {
    type: typeof type === 'function' ? type : () => type,
    list: shape.list,
    link: shape.link,
    item: o.item,
    rel: o.rel,
    readOnly: o.readOnly ?? false,
    secret: o.secret ?? false,
    column: o.column ?? false,
    allContent: o.allContent ?? false,
    range: o.range,
    doc,
  };
}

const one = { list: false, link: false };
const many = { list: true, link: false };

export const str = (doc: string, o?: AttributeOptions) => spec<string>(STRING, doc, one, o);
export const int = (doc: string, o?: AttributeOptions) => spec<number>(INTEGER, doc, one, o);
export const bool = (doc: string, o?: AttributeOptions) => spec<boolean>(BOOLEAN, doc, one, o);
export const dec = (doc: string, o?: AttributeOptions) => spec<number>(DECIMAL, doc, one, o);
export const date = (doc: string, o?: AttributeOptions) => spec<string>(DATE, doc, one, o);
export const enumOf = <V extends string>(e: EnumType<V>, doc: string, o?: AttributeOptions) => spec<V>(e, doc, one, o);
/**
 * A value of a structured type, held inside the entity (`<cpu><topology>...`). Its objects' type
 * is inferred from the target's, so value structs must not hold each other in a cycle.
 */
export const struct = <S extends StructType>(t: () => S, doc: string, o?: AttributeOptions) => spec<ObjOf<S>>(t, doc, one, o);
/** Several values of a primitive, enum or structured type. */
export function listOf<N extends PrimitiveName>(t: PrimitiveType<N>, doc: string, o?: AttributeOptions): AttributeSpec<PrimitiveValues[N][]>;
export function listOf<V extends string>(t: EnumType<V>, doc: string, o?: AttributeOptions): AttributeSpec<V[]>;
export function listOf<S extends StructType>(t: () => S, doc: string, o?: AttributeOptions): AttributeSpec<ObjOf<S>[]>;
export function listOf(t: ValueType | (() => StructType), doc: string, o?: AttributeOptions): AttributeSpec {
  return spec(t, doc, many, o);
}
/**
 * The target of a link: a function answering the target type (`() => Cluster`). Declared as
 * `Function` on purpose: checking a `() => StructType` would make the compiler infer the target's
 * type while it infers the linking type's, which fails where types link in cycles (most do).
 * The model self-check verifies that every link's target is a struct type.
 */
type LinkTarget = Function;

/** A reference to one other entity; the target's type is not inferred (see `Ref`). */
export const link = (t: LinkTarget, doc: string, o?: AttributeOptions) =>
  spec<Ref>(t as () => StructType, doc, { list: false, link: true }, o);
/** References to several entities, usually served by a sub-collection named by `rel`. */
export const links = (t: LinkTarget, doc: string, o?: AttributeOptions) =>
  spec<Ref[]>(t as () => StructType, doc, { list: true, link: true }, o);

export function defineEnum<const V extends string>(name: string, values: readonly V[]): EnumType<V> {
  return { kind: 'enum', name, values };
}

/** `DataCenter` → `data_center`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

interface TypeOptions<B extends StructType = StructType> {
  doc: string;
  element?: string;
  plural?: string;
  /**
   * The type this one extends, as oVirt's model declares it (`Vm extends VmBase`): its
   * attributes come first, in its order, and its `inherits`, `product` and `ordered` apply
   * unless given here. An attribute declared again here replaces the base's in its place.
   * Search fields are not inherited: they belong to the collections of each type.
   */
  extends?: () => B;
  inherits?: string;
  search?: Record<string, SearchField>;
  product?: ProductLimit;
  ordered?: readonly (readonly [string, string])[];
  computed?: boolean;
}

function build(name: string, identified: boolean, o: TypeOptions, attrs: Attributes): StructType {
  const element = o.element ?? snakeCase(name);
  const own = Object.entries(attrs).map(([attrName, a]): Attribute => ({ name: attrName, ...a }));
  const fixed = { kind: 'struct' as const, name, element, plural: o.plural ?? `${element}s`, identified, search: o.search ?? {}, computed: o.computed ?? false, doc: o.doc };
  const base = o.extends;
  if (!base) return { ...fixed, attributes: own, inherits: o.inherits, product: o.product, ordered: o.ordered };
  // The base is reached lazily, as every type reference is: the modules declaring types import each other.
  let attributes: readonly Attribute[] | undefined;
  return {
    ...fixed,
    get attributes() {
      return (attributes ??= extended(base().attributes, own));
    },
    get inherits() {
      return o.inherits ?? base().inherits;
    },
    get product() {
      return o.product ?? base().product;
    },
    get ordered() {
      return o.ordered ?? base().ordered;
    },
  };
}

/** The base's attributes, each replaced by the one of `own` of its name, then the rest of `own`. */
function extended(inherited: readonly Attribute[], own: readonly Attribute[]): Attribute[] {
  const byName = new Map<string, Attribute>(inherited.map((a) => [a.name, a]));
  for (const a of own) byName.set(a.name, a);
  return [...byName.values()];
}

/** A value type without identity (Cpu, Version, Boot, ...). */
export function defineStruct<A extends Attributes>(name: string, o: TypeOptions, attrs: A): TypedStruct<Simplify<ShapeOf<A>>> {
  return build(name, false, o, attrs) as TypedStruct<Simplify<ShapeOf<A>>>;
}

/** What every entity holds besides its attributes. */
type Identity = {
  id?: string;
  href?: string;
  name?: string;
  description?: string;
  comment?: string;
};

/** The objects of an entity type with attributes `A`, extending the type `B`. */
type EntityObj<A, B extends StructType> = Extended<B extends TypedStruct<infer O> ? O : Identity, ShapeOf<A>>;

/** An identified type: it has an `id`, and `name`, `description` and `comment` like oVirt's `Identified`. */
export function defineEntity<A extends Attributes, B extends StructType = TypedStruct<Identity>, N extends string = string>(
  name: N, o: TypeOptions<B>, attrs: A,
): TypedStruct<EntityObj<A, B>, N> {
  // Searchable entities are searched by their identity's fields too.
  const search = o.search && { name: own('name'), description: own('description'), comment: own('comment'), ...o.search };
  // An entity extending another has these from its base.
  const identity: Attributes = o.extends ? {} : {
    name: str('A human-readable name.', { column: true }),
    description: str('A human-readable description.'),
    comment: str('Free text kept with the object.'),
  };
  return build(name, true, { ...o, search }, { ...identity, ...attrs }) as TypedStruct<EntityObj<A, B>, N>;
}

const indexes = new WeakMap<StructType, Map<string, number>>();

/** Position of each attribute of `type` by name, made once per type. */
function indexOf(type: StructType): Map<string, number> {
  let index = indexes.get(type);
  if (!index) {
    index = new Map(type.attributes.map((a, i) => [a.name, i]));
    indexes.set(type, index);
  }
  return index;
}

export function attributeOf(type: StructType, name: string): Attribute | undefined {
  const i = indexOf(type).get(name);
  return i === undefined ? undefined : type.attributes[i];
}

/**
 * The attributes of `type` that `obj` has a value for, in declaration order. Objects hold a few
 * of a type's many attributes, so walking their keys is much cheaper than walking the type.
 */
export function attributesIn(type: StructType, obj: object): Attribute[] {
  const index = indexOf(type);
  const found: number[] = [];
  // Keys walked without making an array of entries: this runs for every value written.
  for (const key in obj) {
    const i = index.get(key);
    if (i !== undefined && (obj as Record<string, unknown>)[key] !== undefined) found.push(i);
  }
  return found.sort((a, b) => a - b).map((i) => type.attributes[i]);
}

// ---------------------------------------------------------------------------
// The service tree.

/** The name of an oVirt permit (`create_vm`): what a caller's roles must allow. */
export type PermitName = string;

// --- Method inputs, as oVirt's model declares them (`@In`, `mandatory`, `optional`, `or`).

/**
 * Inputs a method reads from its body, as dotted attribute paths from the body's root
 * (`cpu.topology.cores`, `cluster.id`); a path walks into the items of a list attribute
 * (`storage_domains.id`: every storage domain's id).
 */
export interface InputRule {
  /** Whether the call needs one of `paths` (oVirt's `or(mandatory(a), mandatory(b))`), or may give them. */
  readonly mandatory: boolean;
  readonly paths: readonly string[];
}

/** An input the call needs. */
export const mandatory = (path: string): InputRule => ({ mandatory: true, paths: [path] });
/** Inputs the call may give. */
export const optional = (...paths: string[]): InputRule => ({ mandatory: false, paths });
/** Alternatives: one of them is needed when they are mandatory. */
export const or = (...rules: InputRule[]): InputRule => ({ mandatory: rules.every((r) => r.mandatory), paths: rules.flatMap((r) => r.paths) });

export type ParamType = 'boolean' | 'integer' | 'string';
/** The query parameters a method takes, with their types (oVirt's primitive `@In` of non-action methods). */
export type Params = Readonly<Record<string, ParamType>>;
export type ParamValue = boolean | number | string;

/** What every read takes: Hangar serves the user view, `follow` and `all_content` on every route. */
export const READ_PARAMS = { follow: 'string', filter: 'boolean', all_content: 'boolean' } as const satisfies Params;
/** What every `GET` takes besides: `fields` names the attributes to answer (Xen Orchestra's projection). */
export const GET_PARAMS = { ...READ_PARAMS, fields: 'string' } as const satisfies Params;
/** What every list takes besides: every list is bounded by `max`. */
export const LIST_PARAMS = { ...GET_PARAMS, max: 'integer' } as const satisfies Params;

export interface MethodInputs {
  /** What the body must and may give. */
  readonly inputs: readonly InputRule[];
  /** Alternative sets of further inputs (oVirt's signatures, `ProvidingDiskId`): one must be complete. */
  readonly signatures?: Readonly<Record<string, readonly InputRule[]>>;
  readonly params?: Params;
}

export interface ActionDecl<N extends string = string> {
  readonly name: N;
  readonly doc: string;
  /** Checked on the entity the action is called on. */
  readonly permit: PermitName;
  /** The members of the action's body it reads (oVirt's `@In`); others are not passed on. */
  readonly takes: readonly string[];
  /** What those members must and may hold, as paths from the action's body. */
  readonly inputs: readonly InputRule[];
}

export interface AddMethod extends MethodInputs {
  /**
   * Checked on the object the new one belongs to: the owner of a sub-collection, else the
   * object the body's links of `on` name (a new VM's `cluster`), else the system.
   */
  readonly permit: PermitName;
  /**
   * For top-level collections: the body links naming the object the new one acts on, in order
   * of precedence (a transfer's `snapshot`, then its `disk`); the permit is checked on the first
   * given. By default, the type's inherited link.
   */
  readonly on?: readonly string[];
  /**
   * Body links whose objects need a permit of their own besides (the disk an attachment
   * attaches needs `attach_disk` on the disk): checked where the link names an existing object
   * by id, as an object made with the new one is the caller's own.
   */
  readonly linked?: readonly LinkedPermit[];
}

/** A body link of an add and the permit the object it names needs. */
export interface LinkedPermit {
  readonly link: string;
  readonly permit: PermitName;
}

/** An update applies only the paths its inputs name (oVirt's `Update` detail); clients send whole objects. */
export interface UpdateMethod extends MethodInputs {
  readonly permit: PermitName;
}

export interface RemoveMethod {
  readonly permit: PermitName;
  readonly params?: Params;
}

export interface CollectionService<T extends StructType = StructType> {
  readonly kind: 'collection';
  /** oVirt service name without the `Service` suffix, e.g. `Vms`, `VmNics`. */
  readonly name: string;
  readonly type: () => T;
  readonly doc: string;
  readonly add?: AddMethod;
  /** Query parameters of `GET` besides `LIST_PARAMS`. */
  readonly list: Params;
  /** Whether `GET` takes a `search` query: whether its parameters declare `search`. */
  readonly search: boolean;
  /** The attribute of a member that refers to the entity owning this collection (`vm` for VM NICs). */
  readonly owner?: string;
  /** Callers may use it on themselves without a permit (`/users/{me}/...`). */
  readonly selfService?: boolean;
  /** Every user reads it whole, in the user view too (oVirt's user queries: operating systems, cluster levels). */
  readonly everyoneReads?: boolean;
  /** Its writes need their permits on the whole system, not on the owner (oVirt's tag commands). */
  readonly systemWide?: boolean;
  readonly entity: () => EntityService<T>;
}

export interface EntityService<T extends StructType = StructType> {
  readonly kind: 'entity';
  readonly name: string;
  readonly type: () => T;
  readonly doc: string;
  readonly get: boolean;
  /** Query parameters of `GET` besides `GET_PARAMS` (a system option's `version`). */
  readonly getParams?: Params;
  readonly update?: UpdateMethod;
  readonly remove?: RemoveMethod;
  readonly actions: readonly ActionDecl[];
  /** Sub-services, by the path segment (and `rel`) that leads to them. */
  readonly locators: Readonly<Record<string, () => CollectionService>>;
  /** Callers may use it on themselves without a permit (their own user). */
  readonly selfService?: boolean;
}

export interface RootService {
  readonly kind: 'root';
  readonly locators: Readonly<Record<string, () => CollectionService>>;
}

/*
 * The builders answer the declaration's own type, not just the interface: which sub-services,
 * actions and methods each service has stays known to the compiler, for readers (the SDK) that
 * type their calls from the tree.
 */

type CollectionDecl = Omit<CollectionService, 'kind' | 'search' | 'list'> & { list?: Params };

/** `D`'s members but those named `K`: resolved, where `Omit` would be written out with the whole of `D`. */
type Without<D, K extends PropertyKey> = { [P in Exclude<keyof D, K>]: D[P] };

/** What a service keeps of its type: a declared entity type, by its name (see DeclaredStruct). */
type Handle<F> = F extends () => TypedStruct<unknown, infer N extends keyof EntitiesByName> ? () => DeclaredStruct<N> : F;

/** A collection service as declared: its `list` parameters by name, none when it declares none. */
type Collection<D extends CollectionDecl> = Simplify<Without<D, 'list' | 'type'> & {
  kind: 'collection';
  type: Handle<D['type']>;
  list: D extends { list: infer P extends Params } ? P : Record<never, never>;
  search: boolean;
}>;

export function collectionService<D extends CollectionDecl>(d: D): Collection<D> {
  const list = d.list ?? {};
  // As for entities below: the conditional member holds by construction.
  const built: CollectionService = { kind: 'collection', ...d, list, search: list.search !== undefined };
  return built as unknown as Collection<D>;
}

type EntityDecl = Partial<Pick<EntityService, 'get' | 'getParams' | 'update' | 'remove' | 'actions' | 'locators' | 'selfService'>> &
  Pick<EntityService, 'name' | 'type' | 'doc'>;

/** An entity service as declared: its actions and locators by name, none when it declares none. */
type Entity<D extends EntityDecl> = Simplify<Without<D, 'actions' | 'locators' | 'type'> & {
  kind: 'entity';
  type: Handle<D['type']>;
  get: boolean;
  actions: D extends { actions: infer A } ? A : readonly [];
  locators: D extends { locators: infer L } ? L : Record<never, never>;
}>;

export function entityService<D extends EntityDecl>(d: D): Entity<D> {
  // The compiler does not follow conditional members through a spread; they hold by construction.
  const built: EntityService = { kind: 'entity', get: true, actions: [], locators: {}, ...d };
  return built as unknown as Entity<D>;
}

/** The root service as declared, its collections by name. */
export function rootService<L extends RootService['locators']>(locators: L): { kind: 'root'; locators: L } {
  return { kind: 'root', locators };
}

/** An action; most take only `async` (answer before the action completes). */
export function action<N extends string>(
  name: N, doc: string, permit: PermitName,
  o: { takes?: readonly string[]; inputs?: readonly InputRule[] } = {},
): ActionDecl<N> {
  return { name, doc, permit, takes: o.takes ?? ['async'], inputs: o.inputs ?? [] };
}
