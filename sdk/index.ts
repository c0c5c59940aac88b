// The Hangar SDK: a connection to an engine, the service tree as typed locators, faults as typed
// errors, and waiting for objects to reach a state.
export { Connection, ConnectionOptions, Query, Reply, RequestOptions, apiUrlOf } from './connection';
export { JobFailed, JobObj, WaitOptions, WaitTimeout, jobDone, waitFor } from './wait';
export { ApiError, AuthError, ConflictError, NotFoundError } from './errors';
export { ActionBody, CollectionLocator, EntityLocator, ObjectOf, ParamValues, Readable, RootLocator, accessorOf, locatorOf } from './locators';
export type { ObjOf } from '../model/meta';
export * as types from '../model/types';
export { EventObj, FollowOptions, followEvents } from './events';
export { DownloadOptions, TransferOptions, TransferResult, UploadOptions, download, upload } from './transfers';
export { ImageioError, MoveStats, Progress, TransferStopped, downloadImage, uploadImage } from './imageio';
