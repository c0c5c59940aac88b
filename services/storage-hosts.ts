// Which host works on a storage domain's images (runs their NBD servers, serves their
// transfers): one that is up in the domain's data center, as oVirt's engine picks one.
import * as T from '../model/types';
import { ObjOf } from '../model/meta';
import { Repo } from './store/repo';

export async function hostSeeing(repo: Repo, sd: ObjOf<typeof T.StorageDomain>): Promise<ObjOf<typeof T.Host> | undefined> {
  if (sd.data_center?.id === undefined) return undefined;
  for (const cluster of await repo.list(T.Cluster, { data_center: sd.data_center.id })) {
    const [host] = await repo.list(T.Host, { cluster: cluster.id }, { where: { status: 'up' } });
    if (host) return host;
  }
  return undefined;
}
