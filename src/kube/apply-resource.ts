// Applying one rendered object for a node (SPEC N4–N7, N13, N15, N16): reads, decides with `decideApply`, writes, and says what happened.
import { fieldManagers } from '../api/metadata-keys.js';
import type { PatchStrategy } from '../api/lynq-form.schema.js';
import { LynqError } from '../errors.js';
import {
  apiError,
  apiErrorCodes,
  createApiClient,
  patchTypes,
  type ApiClient,
} from './api-client.js';
import {
  applyReasons,
  type ApplyOutcome,
  type ApplyRequest,
  type ResourceWriteDeps,
} from './apply-contract.js';
import { decideApply, decideUnread, type ApplyDecision } from './apply-decision.js';
import { failedOutcome } from './apply-failure.js';
import {
  creationBody,
  desiredObject,
  pointerToken,
  reholdPatch,
  updateBody,
  wantsOwnerReference,
} from './desired-object.js';
import { ignoredPaths, withIgnoredFields } from './ignore-fields.js';
import { handleImmutableChange, immutableFieldsOf } from './immutable-change.js';
import { asKubeObject, type KubeObject } from './kube-object.js';
import { labelKeys } from '../api/metadata-keys.js';
import { createdBy } from './resource-holder.js';
import { collectionPathOf, objectPathOf, type ResourceInfo } from './resource-paths.js';

export * from './apply-contract.js';
export * from './apply-failure.js';
export * from './desired-object.js';
export * from './resource-holder.js';

const describe = (info: ResourceInfo, namespace: string | undefined, name: string): string =>
  `${info.kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;

const isAbort = (err: unknown, signal: AbortSignal | undefined): boolean =>
  signal?.aborted === true || (err instanceof Error && err.name === 'AbortError');

/** Raw writes the ApiClient does not offer: POST and PUT with a field manager. */
const writer = (deps: ResourceWriteDeps, signal: AbortSignal | undefined) => {
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const send = async (method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown> => {
    const full = `${path}?fieldManager=${fieldManagers.resources}`;
    const res = await deps.transport.request({
      method,
      path: full,
      body,
      timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    if (res.status !== 200 && res.status !== 201) throw apiError(`${method} ${path}`, res);
    return res.body;
  };
  return { send };
};

/** How often one apply re-reads after losing a race (AlreadyExists, a stale resourceVersion). */
const maxAttempts = 4;

/** Whether `err` says the object changed since it was read (the caller reads again and decides anew). */
const isLostRace = (err: unknown, code: string): boolean =>
  err instanceof LynqError && err.code === code;

/**
 * Applies one rendered object for a node and says what happened; what to do is `decideUnread`'s
 * and `decideApply`'s (their guarantees hold). An absent object is created by POST; every later
 * write carries the resourceVersion it was decided on, and a write that lost a race is decided
 * again on a fresh read (at most `maxAttempts` times). Never throws for a per-resource failure
 * (RBAC, unknown kind, missing namespace, invalid object, API errors): those are `failed`
 * outcomes. Rethrows only an abort of `signal`.
 */
export const applyResource = async (
  deps: ResourceWriteDeps,
  req: ApplyRequest,
): Promise<ApplyOutcome> => {
  const unread = decideUnread(req);
  if (unread !== undefined) return unread;
  try {
    return await applyLoop(deps, req);
  } catch (err) {
    if (isAbort(err, req.signal)) throw err;
    return failedOutcome(err);
  }
};

const applyLoop = async (deps: ResourceWriteDeps, req: ApplyRequest): Promise<ApplyOutcome> => {
  const { node, manifest, policies, signal } = req;
  const client = createApiClient(deps.transport, deps.timeoutMs ?? 30_000);
  const { send } = writer(deps, signal);
  const info = await deps.paths.resolve(manifest.apiVersion, manifest.kind, signal);
  const desired = desiredObject(manifest, info.namespaced, node, policies);
  const namespace = info.namespaced ? (manifest.namespace ?? node.namespace) : undefined;
  const path = objectPathOf(info, namespace, manifest.name);
  const what = describe(info, namespace, manifest.name);
  const options = {
    fieldManager: fieldManagers.resources,
    ...(signal === undefined ? {} : { signal }),
  };
  let reheld = false;

  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const live = asKubeObject(await client.get(path, signal));
    const decision: ApplyDecision = decideApply({
      live,
      node,
      manifest,
      policies,
      namespaced: info.namespaced,
      reheld,
      what,
      drifted: req.drifted,
      minOwned: req.minOwned,
      completed: req.completed,
      targets: req.targets,
    });
    switch (decision.kind) {
      case 'done':
        return decision.outcome;
      case 'create':
        try {
          const created = asKubeObject(
            await send('POST', collectionPathOf(info, namespace), creationBody(desired, node)),
          );
          return {
            state: 'created',
            reason: applyReasons.created,
            message: `created ${what}`,
            ...(created === undefined ? {} : { object: created }),
          };
        } catch (err) {
          // Another writer created it first: read it and decide again (N6 race).
          if (isLostRace(err, apiErrorCodes.alreadyExists)) continue;
          throw err;
        }
      case 'rehold': {
        if (live === undefined) throw new Error('unreachable: re-holding an absent object');
        const wantsOwner = wantsOwnerReference(namespace, node, policies.deletionPolicy);
        try {
          await client.patch(path, patchTypes.json, reholdPatch(live, node, wantsOwner), options);
        } catch (err) {
          // A failed test: the object changed since it was read; read it again.
          if (isLostRace(err, apiErrorCodes.invalid)) continue;
          throw err;
        }
        reheld = true;
        continue;
      }
      case 'mark': {
        if (live === undefined) throw new Error('unreachable: marking an absent object');
        const mark = `/metadata/labels/${pointerToken(labelKeys.deletionProtection)}`;
        try {
          await client.patch(
            path,
            patchTypes.json,
            [
              { op: 'test', path: '/metadata/uid', value: live.metadata.uid },
              decision.marked
                ? { op: 'add', path: mark, value: 'true' }
                : { op: 'remove', path: mark },
            ],
            options,
          );
        } catch (err) {
          if (isLostRace(err, apiErrorCodes.invalid)) continue;
          throw err;
        }
        return {
          state: 'applied',
          reason: decision.marked ? applyReasons.marked : applyReasons.unmarked,
          message: `${decision.marked ? 'marked' : 'unmarked'} ${what} (created once; only the deletion-protection mark follows the node)`,
          object: live,
        };
      }
      case 'write': {
        if (live === undefined) throw new Error('unreachable: updating an absent object');
        const ignored = ignoredPaths(policies.ignoreFields ?? []);
        const update = updateBody(policies.patchStrategy, desired, live, node);
        const body =
          ignored.length === 0
            ? update
            : withIgnoredFields(update, live, ignored, policies.patchStrategy);
        try {
          const written = await writeBy(policies.patchStrategy, client, send, path, body, options);
          return {
            state: 'applied',
            reason: writeReasons[decision.as],
            message: `${writeVerbs[decision.as]} ${what} (${policies.patchStrategy})`,
            ...(written === undefined ? {} : { object: written }),
          };
        } catch (err) {
          // A stale resourceVersion: someone wrote in between; decide again on a fresh read.
          if (isLostRace(err, apiErrorCodes.conflict)) continue;
          const immutable = immutableFieldsOf(err);
          if (immutable.length === 0) throw err;
          return {
            ...(await handleImmutableChange({
              transport: deps.transport,
              path,
              what,
              fields: immutable,
              // Only what this node created is deleted to be re-created (N6).
              recreate: policies.recreateOnImmutableChange === true && createdBy(live, node),
              timeoutMs: deps.timeoutMs ?? 30_000,
              signal,
            })),
            object: live,
          };
        }
      }
    }
  }
  return {
    state: 'failed',
    reason: 'Conflict',
    message: `${what} kept changing while it was written; retrying later`,
    retryable: true,
  };
};

const writeReasons = {
  applied: applyReasons.applied,
  adopted: applyReasons.adopted,
  reheld: applyReasons.reheld,
} as const;

const writeVerbs = {
  applied: 'applied',
  adopted: 'adopted',
  reheld: 're-held',
} as const;

const writeBy = async (
  strategy: PatchStrategy,
  client: ApiClient,
  send: (method: 'POST' | 'PUT', path: string, body: unknown) => Promise<unknown>,
  path: string,
  body: Record<string, unknown>,
  options: { readonly fieldManager: string; readonly signal?: AbortSignal },
): Promise<KubeObject | undefined> => {
  switch (strategy) {
    case 'apply':
      // Reached only when this node holds the object or under Force (SPEC N5).
      return asKubeObject(
        await client.patch(path, patchTypes.apply, body, { ...options, force: true }),
      );
    case 'merge':
      return asKubeObject(await client.patch(path, patchTypes.merge, body, options));
    case 'replace':
      return asKubeObject(await send('PUT', path, body));
  }
};
