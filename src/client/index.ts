/**
 * `cairn/client`: typed, checked reads of what Cairn committed to etcd. See README, "Reading
 * configuration", and examples/read-config.ts.
 */
export { createClient } from './client.ts';
export type { Bundle, Change, Client, ClientOptions, Consistency, Entry, GetBundleOptions, GetOptions, ListOptions, PublishedSchema, Rejected, ResyncReason, Snapshot, ValueSchema, Watch, WatchOptions } from './types.ts';
export { IntegrityError, isReadFailure, NotFoundError, PermissionDeniedError, ReadError, type ReadErrorCode, SchemaMismatchError, TimeoutError, UnavailableError } from './errors.ts';
export { database, featureFlags, rateLimits, serviceEndpoints, type Database, type FeatureFlags, type RateLimits, type ServiceEndpoints } from './embedded.ts';
export { declaredSchema } from './declared.ts';
export { conforms, shapeProblems, type ShapeProblem } from './shape.ts';
export { generateTypes, generatedNames } from './generate-types.ts';
