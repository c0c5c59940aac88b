// Every declared oVirt API type, re-exported.

export * from './enums';
export * from './common';
export * from './api';
export * from './datacenter';
export * from './cluster';
export * from './host';
export * from './storage';
export * from './network';
export * from './vm';
export * from './template';
export * from './disk';
export * from './job';
export * from './event';
export * from './user';
export * from './tag';
export * from './misc';
export * from './config';
export * from './catalogs';
export * from './scheduling';
export * from './hangar';
export * from './mac-pool';
export * from './cluster-network';
