// The operator's form actors, one per LynqForm, with their Kubernetes ports, fed by the form, node, hub and revision reflectors.
import type { Logger } from 'pino';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { annotationKeys, labelKeys } from '../api/metadata-keys.js';
import { labelSafe } from '../api/node-name.js';
import { patchTypes, type ApiClient } from '../kube/api-client.js';
import type { NodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { KubeObject } from '../kube/kube-object.js';
import { lynqObjectPath } from '../kube/lynq-paths.js';
import type { StatusWriter } from '../kube/status-writer.js';
import type { FormRef } from '../machines/form.contract.js';
import type { TemplateEnvironment } from '../render/environment.js';
import { startSupervisor, type SupervisorOptions } from './actor-supervisor.js';
import { startFormActor, type FormActor } from './form.actor.js';
import { readyAtGeneration, type FormPorts } from './form-sync.actor.js';

/** Field manager of `spec.revision` writes: the form actor alone owns that field (DESIGN 5). */
export const formFieldManager = 'lynq-form';

/** The ControllerRevisions of one namespace, or of all namespaces. */
export const controllerRevisionsPath = (namespace?: string): string =>
  namespace === undefined
    ? '/apis/apps/v1/controllerrevisions'
    : `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/controllerrevisions`;

/** The label selector the revision reflector watches: every form revision, nothing else. */
export const revisionSelector = labelKeys.form;

export interface FormRegistryDeps {
  readonly client: ApiClient;
  /**
   * The client for writes to one hub's nodes, so they wait in that hub's API queue (SPEC P4).
   * Default `client` for every hub.
   */
  readonly clientOfHub?: (namespace: string, hub: string) => ApiClient;
  /** Loaded on the first validation: an operator without forms holds no template engine. */
  readonly env: () => Promise<TemplateEnvironment>;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** An info line per node that turns failed (SPEC O5). */
  readonly nodeLog?: NodeLifecycleLog;
  /** The form from the form reflector's store. */
  readonly getForm: (namespace: string, name: string) => LynqForm | undefined;
  readonly hubExists: (namespace: string, name: string) => boolean;
  /** Every node of a hub (the operator's node index). */
  readonly nodesOfHub: (namespace: string, hub: string) => readonly LynqNode[];
  /** Every form revision the revision reflector holds. */
  readonly revisions: () => readonly KubeObject[];
  /** Tells the hub that one of its forms changed validity (SPEC F2, H10). */
  readonly formsChanged: (namespace: string, hub: string) => void;
  /** How crashed form actors are restarted, and who hears of each crash (DESIGN 10). */
  readonly supervision?: SupervisorOptions;
}

export interface FormRegistry {
  /** From now on forms are acted upon; `forms` are the ones already listed. */
  start(forms: readonly LynqForm[]): void;
  formObserved(form: LynqForm): void;
  formDeleted(form: LynqForm): void;
  /** A hub appeared or went: its forms validate again ("hub exists", SPEC F1). */
  hubChanged(namespace: string, hub: string): void;
  /** A node was added, updated or deleted (`previous` for updates). */
  nodeChanged(node: LynqNode, previous: LynqNode | undefined, deleted: boolean): void;
  /** A form revision was added, changed or deleted (e.g. by hand): its form checks again. */
  revisionChanged(revision: KubeObject): void;
  /** The hub plans nodes only for forms validated and valid at their current generation. */
  isValid(namespace: string, name: string): boolean;
  /** The form actor's machine snapshot, if one runs (the debug export, SPEC O3). */
  snapshotOf(
    namespace: string,
    name: string,
  ): { readonly value: unknown; readonly context: unknown } | undefined;
  stop(): void;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export const createFormRegistry = (deps: FormRegistryDeps): FormRegistry => {
  let started = false;

  const ports: FormPorts = {
    getForm: (ref) => deps.getForm(ref.namespace, ref.name),
    hubExists: deps.hubExists,
    nodesOfForm: (ref) => {
      const form = deps.getForm(ref.namespace, ref.name);
      if (form === undefined) return [];
      return deps
        .nodesOfHub(ref.namespace, form.spec.hubId)
        .filter((n) => n.spec.templateRef === ref.name);
    },
    revisionsOfForm: (ref) => {
      const label = labelSafe(ref.name);
      return deps
        .revisions()
        .filter(
          (r) =>
            r.metadata.namespace === ref.namespace && r.metadata.labels?.[labelKeys.form] === label,
        );
    },
    createRevision: async (revision, signal) => {
      await deps.client.create(
        controllerRevisionsPath(revision.metadata.namespace),
        revision,
        signal,
      );
    },
    deleteRevision: async (namespace, name, signal) => {
      await deps.client.remove(
        `${controllerRevisionsPath(namespace)}/${encodeURIComponent(name)}`,
        {
          signal,
        },
      );
    },
    setNodeRevision: async (node, revision, signal, movedAt) => {
      const path = lynqObjectPath(
        'lynqnodes',
        node.metadata.namespace ?? '',
        node.metadata.name ?? '',
      );
      const hub = node.metadata.labels?.[labelKeys.hub];
      const client =
        hub === undefined
          ? deps.client
          : (deps.clientOfHub?.(node.metadata.namespace ?? '', hub) ?? deps.client);
      if (movedAt === undefined) {
        await client.patch(
          path,
          patchTypes.json,
          [
            { op: 'test', path: '/metadata/uid', value: node.metadata.uid },
            { op: 'add', path: `/spec/${escapePointer('revision')}`, value: revision },
          ],
          { fieldManager: formFieldManager, signal },
        );
        return;
      }
      // A merge patch adds the move's annotations beside any others (a JSON patch cannot add a
      // key to a map that may not exist without replacing the map). `metadata.uid` is immutable,
      // so naming it makes a re-created node reject the write (Invalid), as the test op does.
      await client.patch(
        path,
        patchTypes.merge,
        {
          metadata: {
            uid: node.metadata.uid,
            annotations: {
              [annotationKeys.rolloutRevision]: revision,
              [annotationKeys.rolloutMovedAt]: movedAt,
            },
          },
          spec: { revision },
        },
        { fieldManager: formFieldManager, signal },
      );
    },
  };

  // One supervisor shape for hubs, forms and nodes: a crashed form actor is started again.
  const actors = startSupervisor<LynqForm, never, FormActor>((_key, form, _finished, crashed) => {
    const namespace = form.metadata.namespace ?? '';
    const name = form.metadata.name ?? '';
    const slot: { actor?: FormActor } = {};
    slot.actor = startFormActor(
      { namespace, name },
      {
        ports,
        env: deps.env,
        statusWriter: deps.statusWriter,
        events: deps.events,
        logger: deps.logger,
        ...(deps.nodeLog === undefined ? {} : { nodeLog: deps.nodeLog }),
        validityChanged: (ref: FormRef) => {
          const latest = deps.getForm(ref.namespace, ref.name);
          if (latest !== undefined) deps.formsChanged(ref.namespace, latest.spec.hubId);
        },
        failed: (error) => {
          // Its timers and status slot go with it; the restart starts from the form's status.
          slot.actor?.stop();
          crashed(error);
        },
      },
    );
    slot.actor.observe(form);
    return slot.actor;
  }, deps.supervision);

  const observe = (form: LynqForm): void => {
    actors.observe(keyOf(form.metadata.namespace ?? '', form.metadata.name ?? ''), form);
  };

  const formOfNode = (node: LynqNode): FormActor | undefined =>
    actors.get(keyOf(node.metadata.namespace ?? '', node.spec.templateRef));

  return {
    start: (forms) => {
      started = true;
      for (const form of forms) observe(form);
    },
    formObserved: (form) => {
      if (started) observe(form);
    },
    formDeleted: (form) => {
      actors.remove(keyOf(form.metadata.namespace ?? '', form.metadata.name ?? ''));
    },
    hubChanged: (namespace, hub) => {
      for (const actor of actors.each()) {
        const { form } = actor.snapshot().context;
        if (form.namespace !== namespace) continue;
        if (deps.getForm(form.namespace, form.name)?.spec.hubId === hub) actor.hubChanged();
      }
    },
    nodeChanged: (node, previous, deleted) => {
      const actor = formOfNode(node);
      if (actor === undefined) return;
      // What moves revisions wakes the form: a node added, gone or moved, and a node becoming
      // Ready or not at its generation, which frees or takes a rollout slot (F4) at once.
      // Any other status change only recounts (SPEC F3).
      const moved =
        deleted ||
        previous === undefined ||
        previous.spec.revision !== node.spec.revision ||
        readyAtGeneration(previous) !== readyAtGeneration(node) ||
        (previous.metadata.deletionTimestamp === undefined) !==
          (node.metadata.deletionTimestamp === undefined);
      if (moved) actor.nodesChanged();
      else actor.nodeStatusChanged();
    },
    revisionChanged: (revision) => {
      const form = revision.metadata.labels?.[labelKeys.form];
      if (form === undefined) return;
      for (const actor of actors.each()) {
        const ref = actor.snapshot().context.form;
        if (ref.namespace === revision.metadata.namespace && labelSafe(ref.name) === form) {
          actor.nodesChanged();
        }
      }
    },
    isValid: (namespace, name) => actors.get(keyOf(namespace, name))?.isValid() ?? false,
    snapshotOf: (namespace, name) => actors.get(keyOf(namespace, name))?.snapshot(),
    stop: () => {
      actors.stop();
    },
  };
};
