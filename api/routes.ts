// One generic binding of the whole service tree to hapi routes: list/add on collections,
// get/update/remove on entities, POST on actions, and 405 for any other method.
import { Readable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Request, ResponseToolkit, ServerRoute, Lifecycle } from '@hapi/hapi';
import { CollectionService, EntityService, GET_PARAMS, LIST_PARAMS, Params, READ_PARAMS, StructType } from '../model/meta';
import { actionBody, editedLinks, missingInputs, updatable } from '../model/inputs';
import { Obj } from '../model/codec';
import * as T from '../model/types';
import { collectionRoutes, CollectionRoute } from '../model/tree';
import { Call, Engine, Method } from '../services/behaviour';
import { Page, Repo } from '../services/store/repo';
import { FileWork } from '../services/file-work';
import { badRequest, incomplete, methodNotAllowed, notFound } from '../services/fault';
import { resolveLinks } from '../services/links';
import { apiContent } from '../services/root';
import { search } from '../services/search';
import { principal } from './auth';
import { header, listFormat, responseFormat } from './negotiation';
import { readBody } from './body';
import { queryValue, readParams } from './params';
import { API_ROOT } from './versioning';
import { Guard } from './guard';
import { WITH_HREFS, pathOf, presentation, servedEntity, servedRoot } from './present';
import { Following } from './follow';
import { parseFields } from './fields';
import { EventCode, recordEvent } from '../services/events';
import { withCorrelation } from '../services/correlation';

type Guarded<R = Lifecycle.ReturnValue> = (call: Call, guard: Guard) => Promise<R>;

/** Rows of a list read from the database at a time. */
const LIST_PAGE = 500;
/** Objects of a list presented and written between turns of the event loop: a few milliseconds' work. */
const WRITE_BATCH = 50;

/** A negative `max` asks for no bound, as oVirt takes it. */
function maxOf(call: Call): number | undefined {
  const max = call.params.max;
  return typeof max === 'number' && max >= 0 ? max : undefined;
}

function allContent(call: Call): boolean {
  return call.params.all_content === true;
}

function scopeOf(request: Request, depth: number): string[] {
  return Array.from({ length: depth }, (_, i) => String(request.params[`p${i}`]));
}

/**
 * Runs `run` with a call for this request, with the query parameters the method declares:
 * reads outside a transaction, writes inside one; then the file-system work the call queued; all
 * of it under the correlation id the request gives.
 */
function runner(engine: Engine, write: boolean, declared: Params = {}) {
  return async <R>(request: Request, scope: string[], run: (call: Call) => Promise<R>): Promise<R> => {
    const params = readParams(request, declared);
    // The SDKs ask for all content with a header; behaviours see it as the parameter.
    if (declared.all_content && params.all_content === undefined && header(request, 'all-content')?.toLowerCase() === 'true') params.all_content = true;
    const files = new FileWork(engine.config.fsTimeout);
    const make = (repo: Repo): Call => ({ engine, repo, files, principal: principal(request), scope, params });
    const given = header(request, 'correlation-id') ?? queryValue(request, 'correlation_id');
    return withCorrelation(given === '' ? undefined : given, async () => {
      const result = await (write ? engine.db.transaction((trx) => run(make(new Repo(trx)))) : run(make(new Repo(engine.db))));
      await files.run(engine.db);
      return result;
    });
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
  // Every call of this collection's routes passes the guard first.
  const read = (declared: Params) => {
    const reading = runner(engine, false, declared);
    return (request: Request, scope: string[], run: Guarded) =>
      reading(request, scope, async (call) => run(call, await Guard.of(call, r, request, false)));
  };
  const write = (declared: Params = {}) => {
    const writing = runner(engine, true, declared);
    return <R>(request: Request, scope: string[], run: Guarded<R>) =>
      writing(request, scope, async (call) => run(call, await Guard.of(call, r, request, true)));
  };
  // What a write answers is read once its transaction and file work are done, in no transaction:
  // the collection's view of it may read files (a disk's size on storage), as a read would.
  const answer = (declared: Params = {}) => {
    const answering = runner(engine, false, declared);
    return (request: Request, scope: string[], run: Guarded) =>
      answering(request, scope, async (call) => run(call, await Guard.of(call, r, request, true)));
  };
  const viewed = (call: Call, obj: Obj) => (behaviour.view ? behaviour.view(call, obj) : Promise.resolve(obj));
  // A write's permit is checked before its body is read, outside any transaction (a client may
  // be slow to send it); the write checks again in its transaction, on what it acts on.
  const admitting = runner(engine, false);
  const admit = <R>(request: Request, scope: string[], check: (call: Call, guard: Guard) => Promise<R>): Promise<R> =>
    admitting(request, scope, async (call) => check(call, await Guard.of(call, r, request, true)));
  const hrefIn = (request: Request, id: unknown) =>
    `${pathOf(r.segments, scopeOf(request, depth))}/${encodeURIComponent(String(id))}`;
  /**
   * How the entities of one request are written (with the fields it names), and each entity with
   * what it asks followed, with one set of follows.
   */
  const present = (call: Call, guard: Guard) => {
    const follow = typeof call.params.follow === 'string' ? call.params.follow : undefined;
    const following = new Following(guard, follow, { depth: engine.config.followMaxDepth, objects: engine.config.followMaxObjects });
    const fields = parseFields(typeof call.params.fields === 'string' ? call.params.fields : undefined, entity);
    return {
      presentation: presentation(allContent(call), fields),
      served: servedEntity(entity, fields),
      followed: (obj: Obj) => following.follow({ ...call, scope: [...call.scope.slice(0, depth), String(obj.id)] }, r, obj),
    };
  };
  /** The answer of one entity at `href`. */
  const written = async (request: Request, call: Call, guard: Guard, obj: Obj, href: string) => {
    const shown = present(call, guard);
    return responseFormat(request).write(type, await shown.followed(obj), undefined, shown.presentation, shown.served(href));
  };

  // The file-reading phase of a method, between the permit's pre-check and the transaction, with
  // the parameters the transaction gets; it returns that transaction's work.
  const inspecting = (declared: Params = {}) => {
    const reading = runner(engine, false, declared);
    return async <B>(request: Request, scope: string[], method: Method<B>, body: B): Promise<(call: Call) => Promise<Obj>> =>
      typeof method === 'function' ? (call) => method(call, body) : reading(request, scope, (call) => method.inspect(call, body));
  };

  const routes: ServerRoute[] = [];
  const listing = read({ ...LIST_PARAMS, ...collection.list });
  routes.push({
    method: 'GET',
    path: listPath,
    handler: (request, h) => listing(request, scopeOf(request, depth), async (call, guard) => {
      const shown = present(call, guard);
      const segment = String(r.segments[r.segments.length - 1]);
      if (!collection.search && queryValue(request, 'search') !== undefined) throw badRequest(`The ${segment} collection does not take a search`);
      const q = typeof call.params.search === 'string' && call.params.search.trim() !== '' ? call.params.search : undefined;
      const max = maxOf(call);
      const view = behaviour.view;
      const page = new Page(LIST_PAGE);
      const next = () => guard.list(call, (o) => q !== undefined
        ? search(call, collection, q, { ...o, caseSensitive: call.params.case_sensitive !== false, segment })
          .then((found) => (view ? Promise.all(found.map((obj) => view(call, obj))) : found))
        : behaviour.list(call, o), q !== undefined || behaviour.listsSeen === true, max, page);
      const format = listFormat(request);
      const writer = format.listWriter(type, shown.presentation);
      // Each page is let go once written; the first is read before the answer starts, so that
      // what fails there is a fault.
      async function* pages(items: Obj[]): AsyncGenerator<string> {
        for (;;) {
          for (let i = 0; i < items.length; i += WRITE_BATCH) {
            const followed = await Promise.all(items.slice(i, i + WRITE_BATCH).map(shown.followed));
            yield followed.map((o) => writer.item(o, shown.served(hrefIn(request, o.id)))).join('');
            // Other requests are served between batches.
            await yieldToLoop();
          }
          if (!page.more) break;
          items = await next();
        }
        yield writer.end();
      }
      const written = pages(await next());
      // A followed list may pass the follow limit on any page, which must still answer a fault:
      // it is answered whole. Any other list streams, a page at a time, as the client reads it.
      if (call.params.follow !== undefined) {
        let whole = '';
        for await (const text of written) whole += text;
        return h.response(whole).type(format.mediaType);
      }
      return h.response(Readable.from(written, { objectMode: false })).type(format.mediaType);
    }),
  });
  if (collection.add && behaviour.add) {
    const add = behaviour.add;
    const method = collection.add;
    const { permit } = method;
    const adding = write({ ...READ_PARAMS, ...method.params });
    const answering = answer({ ...READ_PARAMS, ...method.params });
    const inspect = inspecting({ ...READ_PARAMS, ...method.params });
    routes.push({
      method: 'POST',
      path: listPath,
      handler: async (request, h) => {
        const scope = scopeOf(request, depth);
        await admit(request, scope, (call, guard) => guard.mayAdd(call, permit));
        const body = await readBody(request, type);
        const missing = missingInputs(method, body);
        if (missing.length) throw incomplete(type.name, missing, 'add');
        const added = await inspect(request, scope, add, body);
        const created = await adding(request, scope, async (call, guard) => {
          await guard.add(call, permit, body);
          const made = await added(call);
          await audit(call, EventCode.OBJECT_ADDED, 'added', type, made);
          return made;
        });
        return answering(request, scope, async (call, guard) => {
          const href = hrefIn(request, created.id);
          const location = `${request.server.info.protocol}://${request.info.host}${href}`;
          return reply(h, request, await written(request, call, guard, await viewed(call, created), href), 201).header('Location', location);
        });
      },
    });
  }
  const getting = read({ ...GET_PARAMS, ...entity.getParams });
  if (entity.get) routes.push({
    method: 'GET',
    path: entityPath,
    handler: (request, h) => getting(request, scopeOf(request, depth + 1), async (call, guard) => {
      const obj = await guard.see(call, await entityB.get(call));
      return reply(h, request, await written(request, call, guard, obj, hrefIn(request, request.params[`p${depth}`])));
    }),
  });
  if (entity.update && entityB.update) {
    const update = entityB.update;
    const method = entity.update;
    const { permit } = method;
    const edited = editedLinks(type, method);
    const updating = write({ ...READ_PARAMS, ...method.params });
    const answering = answer({ ...READ_PARAMS, ...method.params });
    routes.push({
      method: 'PUT',
      path: entityPath,
      handler: async (request, h) => {
        const scope = scopeOf(request, depth + 1);
        const allowed = async (call: Call, guard: Guard) => guard.act(call, permit, await entityB.get(call));
        await admit(request, scope, allowed);
        const body = await readBody(request, type);
        const updated = await updating(request, scope, async (call, guard) => {
          await allowed(call, guard);
          // Every link the body gives names an existing object (404 else), applied or not; then
          // only what the update declares applies.
          const changes = updatable(method, await resolveLinks(call, type, body, edited));
          await guard.relink(call, permit, changes);
          const stored = await update(call, changes);
          await audit(call, EventCode.OBJECT_UPDATED, 'changed', type, stored);
          return stored;
        });
        return answering(request, scope, async (call, guard) =>
          reply(h, request, await written(request, call, guard, await viewed(call, updated), hrefIn(request, updated.id))));
      },
    });
  }
  if (entity.remove && entityB.remove) {
    const remove = entityB.remove;
    const { permit } = entity.remove;
    const removing = write(entity.remove.params);
    routes.push({
      method: 'DELETE',
      path: entityPath,
      handler: (request, h) => removing(request, scopeOf(request, depth + 1), async (call, guard) => {
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
    const acting = write();
    const inspect = inspecting();
    routes.push({
      method: 'POST',
      path: `${entityPath}/${a.name}`,
      handler: async (request, h) => {
        const scope = scopeOf(request, depth + 1);
        const allowed = async (call: Call, guard: Guard, obj: Obj) => {
          await guard.act(call, a.permit, obj);
          return obj;
        };
        const got = await admit(request, scope, async (call, guard) => allowed(call, guard, await entityB.get(call)));
        const body = actionBody(a, await readBody(request, T.Action, { optional: true }));
        const missing = missingInputs(a, body);
        if (missing.length) throw incomplete(T.Action.name, missing, a.name);
        const done = await inspect(request, scope, run, body);
        return acting(request, scope, async (call, guard) => {
          // An entity an inspected action acts on may be what files show (a VM of an OVF store):
          // it is not read again in the transaction, where the permit is checked again on it.
          await allowed(call, guard, typeof run === 'function' ? await entityB.get(call) : got);
          const result = await done(call);
          // With async=true the caller is told the action is under way and polls its job.
          const code = body.async === true ? 202 : 200;
          return reply(h, request, responseFormat(request).write(T.Action, { ...result, status: result.status ?? 'complete' }, undefined, WITH_HREFS), code);
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
  const read = runner(engine, false, READ_PARAMS);
  const entry: ServerRoute = {
    method: 'GET',
    path: API_ROOT,
    handler: (request, h) => read(request, [], async (call) =>
      reply(h, request, responseFormat(request).write(T.Api, await apiContent(call), undefined, WITH_HREFS, servedRoot()))),
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
