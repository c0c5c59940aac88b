// Faults of the engine as typed errors: what an oVirt fault (`<fault><reason/><detail/>`) or an
// SSO error (`{ error, error_description }`) tells, with the HTTP status that carried it.

export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, readonly detail: string) {
    super(detail && detail !== reason ? `${reason}: ${detail}` : reason || `HTTP ${status}`);
    this.name = new.target.name;
  }
}

/** The credentials were refused (401), or they do not allow the call (403). */
export class AuthError extends ApiError {}
/** Nothing is at the path, or the caller may not see it (404). */
export class NotFoundError extends ApiError {}
/** The object's state does not allow the call (409). */
export class ConflictError extends ApiError {}

/** The error for a failed answer: the subclass its status stands for. */
export function errorFor(status: number, reason: string, detail: string): ApiError {
  if (status === 401 || status === 403) return new AuthError(status, reason, detail);
  if (status === 404) return new NotFoundError(status, reason, detail);
  if (status === 409) return new ConflictError(status, reason, detail);
  return new ApiError(status, reason, detail);
}
