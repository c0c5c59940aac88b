// The API entry point's own content: product, special objects, summary and time.
import * as T from '../model/types';
import { Obj } from '../model/codec';
import { StructType } from '../model/meta';
import { Call, Engine } from './behaviour';
import { Repo } from './store/repo';
import { writesTo } from './store/committed';
import { BLANK_TEMPLATE_ID, ROOT_TAG } from './store/seed';

export const PRODUCT_VERSION = { major: 4, minor: 5, build: 0, revision: 0, full_version: '4.5.0-hangar' };

/** The tables the summary counts. */
const COUNTED = [T.Host, T.StorageDomain, T.User, T.Vm];

/**
 * How long a process's entry-point requests share one summary: a write this process commits to
 * a counted table drops it at once, another process's is seen within this.
 */
const SUMMARY_MS = 2000;

const summaries = new WeakMap<Engine, { at: number; writes: number; summary: Obj }>();

async function countItem(repo: Repo, type: StructType, active: Record<string, string>) {
  return { total: await repo.count(type), active: await repo.count(type, {}, active) };
}

async function countAll(repo: Repo): Promise<Obj> {
  const users = await repo.count(T.User);
  return {
    hosts: await countItem(repo, T.Host, { status: 'up' }),
    storage_domains: await countItem(repo, T.StorageDomain, { status: 'active' }),
    users: { total: users, active: users },
    vms: await countItem(repo, T.Vm, { status: 'up' }),
  };
}

async function summaryOf(call: Call): Promise<Obj> {
  const cached = summaries.get(call.engine);
  const writes = writesTo(COUNTED);
  if (cached && cached.writes === writes && Date.now() - cached.at < SUMMARY_MS) return cached.summary;
  const summary = await countAll(call.repo);
  summaries.set(call.engine, { at: Date.now(), writes, summary });
  return summary;
}

export async function apiContent(call: Call): Promise<Obj> {
  return {
    product_info: { name: 'Hangar', vendor: 'Hangar', version: { ...PRODUCT_VERSION } },
    special_objects: {
      blank_template: { id: BLANK_TEMPLATE_ID },
      root_tag: { id: ROOT_TAG.id },
    },
    summary: await summaryOf(call),
    time: new Date().toISOString(),
    authenticated_user: { id: call.principal.userId },
    effective_user: { id: call.principal.userId },
  };
}
