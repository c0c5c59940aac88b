// `GET /ovirt-engine/services/metrics`: the process's Prometheus series (services/metrics.ts), for
// administrators of the whole system, with the credentials the API takes (bearer, Basic, session).
import { ServerRoute } from '@hapi/hapi';
import { Engine } from '../services/behaviour';
import { Repo } from '../services/store/repo';
import { forbidden } from '../services/fault';
import { Access } from '../sso/access';
import { principal } from './auth';
import { FAULTS } from './openapi-paths';

export const METRICS_PATH = '/ovirt-engine/services/metrics';

export function metricsRoute(engine: Engine): ServerRoute {
  return {
    method: 'GET',
    path: METRICS_PATH,
    options: {
      plugins: {
        openapi: {
          tags: ['services'], summary: 'Metrics', description: "The process's Prometheus series, for administrators of the whole system.",
          responses: { 200: { description: 'The series, in the Prometheus text format.', content: { 'text/plain': {} } }, ...FAULTS },
        },
      },
    },
    handler: async (request, h) => {
      if (!(await new Access(new Repo(engine.db), principal(request)).isSystemAdmin())) {
        throw forbidden('The metrics are for users with an administrative role on the whole system');
      }
      const { registry } = engine.metrics;
      return h.response(await registry.metrics()).type(registry.contentType);
    },
  };
}
