// One generic binding of the whole service tree to hapi routes: list/add on collections,
// get/update/remove on entities, POST on actions, and 405 for any other method.
import { Request, ResponseToolkit, ServerRoute, Lifecycle } from '@hapi/hapi';
import { CollectionService, EntityService, StructType } from '../model/meta';
import { Obj } from '../model/codec';
import * as T from '../model/types';
import { collectionRoutes, CollectionRoute } from '../model/tree';
import { Call, Engine } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { FileWork } from '../services/file-work';
import { badRequest, methodNotAllowed, notFound } from '../services/fault';
import { apiContent } from '../services/root';
import { search } from '../services/search';
import { principal } from './auth';
import { header, responseFormat } from './negotiation';
import { readBody, checkRequired } from './body';
import { API_ROOT } from './versioning';
import { Guard } from './guard';
import { pathOf, presentAction, presentEntity, presentRoot } from './present';
import { Following } from './follow';
import { EventCode, recordEvent } from '../services/events';

type Run = (call: Call) => Promise<Lifecycle.ReturnValue>;
type Guarded = (call: Call, guard: Guard) => Promise<Lifecycle.ReturnValue>;

function query(request: Request, name: string): string | undefined {
  const v: unknown = request.query[name];
  const last: unknown = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}

function maxOf(request: Request): number | undefined {
  const max = query(request, 'max');
  if (max === undefined || max === '') return undefined;
  if (!/^-?\d+$/.test(max)) throw badRequest(`max must be an integer, got '${max}'`);
  if (!Number.isSafeInteger(Number(max))) throw badRequest(`max must be at most ${Number.MAX_SAFE_INTEGER}, got '${max}'`);
  return Number(max) < 0 ? undefined : Number(max);
}

function allContent(request: Request): boolean {
  return query(request, 'all_content') === 'true' || header(request, 'all-content')?.toLowerCase() === 'true';
}

function scopeOf(request: Request, depth: number): string[] {
  return Array.from({ length: depth }, (_, i) => String(request.params[`p${i}`]));
}

function paramsOf(request: Request): Record<string, string> {
  return Object.fromEntries(Object.keys(request.query).map((k) => [k, query(request, k) as string]));
}

/**
 * Runs `run` with a call for this request: reads outside a transaction, writes inside one; then
 * the file-system work the call queued.
 */
function runner(engine: Engine, write: boolean) {
  return async (request: Request, scope: string[], run: Run) => {
    const files = new FileWork(engine.config.fsTimeout);
    const make = (repo: Repo): Call => ({ engine, repo, files, principal: principal(request), scope, params: paramsOf(request) });
    const result = await (write ? engine.db.transaction((trx) => run(make(new Repo(trx)))) : run(make(new Repo(engine.db))));
    await files.run(engine.db);
    return result;
  };
}

/** Every change through the API is in the audit log, naming who made it. */
async function audit(call: Call, code: number, verb: string, type: StructType, obj: Obj): Promise<void> {
  const about = T.Event.attributes.some((a) => a.link && a.name === type.element) ? { [type.element]: { id: obj.id } } : {};
  const name = obj.name ?? obj.id;
  await recordEvent(call.repo, {
    code, severity: 'normal', description: `${type.name} ${String(name)} was ${verb} by ${call.principal.userName}.`,
    userId: call.principal.userId, about,
  });
}

function pathTemplate(segments: readonly (string | null)[]): string {
  let i = 0;
  return API_ROOT + segments.map((s) => '/' + (s ?? `{p${i++}}`)).join('');
}

function reply(h: ResponseToolkit, request: Request, body: string, code = 200) {
  return h.response(body).code(code).type(responseFormat(request).mediaType);
}

function collectionRoutesFor(engine: Engine, r: CollectionRoute): ServerRoute[] {
  const collection: CollectionService = r.collection;
  const entity: EntityService = collection.entity();
  const type: StructType = collection.type();
  const behaviour = engine.behaviours.collection(collection);
  const entityB = engine.behaviours.entity(entity);
  const depth = r.segments.filter((s) => s === null).length;
  const listPath = pathTemplate(r.segments);
  const entityPath = `${listPath}/{p${depth}}`;
  const reading = runner(engine, false);
  const writing = runner(engine, true);
  // Every call of this collection's routes passes the guard first.
  const read = (request: Request, scope: string[], run: Guarded) =>
    reading(request, scope, async (call) => run(call, await Guard.of(call, r, request, false)));
  const write = (request: Request, scope: string[], run: Guarded) =>
    writing(request, scope, async (call) => run(call, await Guard.of(call, r, request, true)));
  // A write's permit is checked before its body is read, outside any transaction (a client may
  // be slow to send it); the write checks again in its transaction, on what it acts on.
  const admit = async (request: Request, scope: string[], check: (call: Call, guard: Guard) => Promise<void>) => {
    await reading(request, scope, async (call) => {
      await check(call, await Guard.of(call, r, request, true));
      return null;
    });
  };
  const hrefIn = (request: Request, id: unknown) =>
    `${pathOf(r.segments, scopeOf(request, depth))}/${encodeURIComponent(String(id))}`;
  /** Presents the objects of one request, following what it asks with one set of follows. */
  const present = (call: Call, guard: Guard, request: Request) => {
    const following = new Following(guard, query(request, 'follow'), { depth: engine.config.followMaxDepth, objects: engine.config.followMaxObjects });
    return async (obj: Obj, href: string) =>
      presentEntity(entity, await following.follow({ ...call, scope: [...call.scope.slice(0, depth), String(obj.id)] }, r, obj), href, allContent(request));
  };

  const routes: ServerRoute[] = [];
  routes.push({
    method: 'GET',
    path: listPath,
    handler: (request, h) => read(request, scopeOf(request, depth), async (call, guard) => {
      const show = present(call, guard, request);
      const q = query(request, 'search');
      const max = maxOf(request);
      if (q !== undefined && !collection.search) throw badRequest(`The ${r.segments[r.segments.length - 1]} collection does not take a search`);
      const searching = q !== undefined && q.trim() !== '';
      const items = await guard.list(call, (o) => searching
        ? search(call, collection, q, { ...o, caseSensitive: query(request, 'case_sensitive') !== 'false', segment: String(r.segments[r.segments.length - 1]) })
        : behaviour.list(call, o), searching || behaviour.listsSeen === true, max);
      const presented = await Promise.all(items.map((o: Obj) => show(o, hrefIn(request, o.id))));
      return reply(h, request, responseFormat(request).writeList(type, presented));
    }),
  });
  if (collection.add && behaviour.add) {
    const add = behaviour.add;
    const { permit, required } = collection.add;
    routes.push({
      method: 'POST',
      path: listPath,
      handler: async (request, h) => {
        const scope = scopeOf(request, depth);
        await admit(request, scope, (call, guard) => guard.mayAdd(call, permit));
        const body = await readBody(request, type);
        checkRequired(type, body, required);
        return write(request, scope, async (call, guard) => {
          await guard.add(call, permit, body);
          const created = await add(call, body);
          await audit(call, EventCode.OBJECT_ADDED, 'added', type, created);
          const href = hrefIn(request, created.id);
          const out = await present(call, guard, request)(created, href);
          const location = `${request.server.info.protocol}://${request.info.host}${href}`;
          return reply(h, request, responseFormat(request).write(type, out), 201).header('Location', location);
        });
      },
    });
  }
  routes.push({
    method: 'GET',
    path: entityPath,
    handler: (request, h) => read(request, scopeOf(request, depth + 1), async (call, guard) => {
      const obj = await guard.see(call, await entityB.get(call));
      return reply(h, request, responseFormat(request).write(type, await present(call, guard, request)(obj, hrefIn(request, request.params[`p${depth}`]))));
    }),
  });
  if (entity.update && entityB.update) {
    const update = entityB.update;
    const permit = entity.update;
    routes.push({
      method: 'PUT',
      path: entityPath,
      handler: async (request, h) => {
        const scope = scopeOf(request, depth + 1);
        const allowed = async (call: Call, guard: Guard) => guard.act(call, permit, await entityB.get(call));
        await admit(request, scope, allowed);
        const body = await readBody(request, type);
        return write(request, scope, async (call, guard) => {
          await allowed(call, guard);
          await guard.relink(call, permit, body);
          const updated = await update(call, body);
          await audit(call, EventCode.OBJECT_UPDATED, 'changed', type, updated);
          return reply(h, request, responseFormat(request).write(type, await present(call, guard, request)(updated, hrefIn(request, updated.id))));
        });
      },
    });
  }
  if (entity.remove && entityB.remove) {
    const remove = entityB.remove;
    const permit = entity.remove;
    routes.push({
      method: 'DELETE',
      path: entityPath,
      handler: (request, h) => write(request, scopeOf(request, depth + 1), async (call, guard) => {
        const removed = await entityB.get(call);
        await guard.act(call, permit, removed);
        await remove(call);
        await audit(call, EventCode.OBJECT_REMOVED, 'removed', type, removed);
        return h.response().code(200);
      }),
    });
  }
  for (const a of entity.actions) {
    const run = entityB.actions?.[a.name];
    if (!run) throw new Error(`${entity.name} has no behaviour for action ${a.name}`);
    routes.push({
      method: 'POST',
      path: `${entityPath}/${a.name}`,
      handler: async (request, h) => {
        const scope = scopeOf(request, depth + 1);
        const allowed = async (call: Call, guard: Guard) => guard.act(call, a.permit, await entityB.get(call));
        await admit(request, scope, allowed);
        const body = await readBody(request, T.Action, { optional: true });
        return write(request, scope, async (call, guard) => {
          await allowed(call, guard);
          const result = await run(call, body);
          // With async=true the caller is told the action is under way and polls its job.
          const code = body.async === true ? 202 : 200;
          return reply(h, request, responseFormat(request).write(T.Action, presentAction({ ...result, status: result.status ?? 'complete' })), code);
        });
      },
    });
  }
  return routes;
}

/** A catch-all per path that answers 405 with the methods the path does take. */
function notAllowed(routes: ServerRoute[]): ServerRoute[] {
  const byPath = new Map<string, string[]>();
  for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), String(r.method)]);
  return [...byPath].map(([path, methods]) => ({
    method: '*',
    path,
    handler: () => {
      const err = methodNotAllowed(`Method not allowed here: use ${methods.join(', ')}`);
      err.output.headers.Allow = methods.join(', ');
      throw err;
    },
  }));
}

export function apiRoutes(engine: Engine): ServerRoute[] {
  const read = runner(engine, false);
  const entry: ServerRoute = {
    method: 'GET',
    path: API_ROOT,
    handler: (request, h) => read(request, [], async (call) =>
      reply(h, request, responseFormat(request).write(T.Api, presentRoot(await apiContent(call))))),
  };
  const routes = [entry, ...collectionRoutes.flatMap((r) => collectionRoutesFor(engine, r))];
  return [...routes, ...notAllowed(routes), {
    method: '*',
    path: `${API_ROOT}/{any*}`,
    handler: (request) => {
      throw notFound(`No resource at ${request.path}`);
    },
  }];
}
