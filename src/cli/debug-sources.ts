// What the operator's debug export reads (SPEC O3): its watch caches and its running hub, form and node actors, seen through one interface.
import type { FormRegistry } from '../actors/form-registry.js';
import type { ActorSupervisor } from '../actors/actor-supervisor.js';
import type { MachineSource, MachineSources } from '../inspect/debug-routes.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { Reflector } from '../kube/reflector.js';

const splitKey = (key: string): [string, string] => {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
};

const source = (
  cache: Reflector<KubeObject>,
  snapshot: MachineSource['snapshot'],
): MachineSource => ({
  get: (key) => cache.get(key),
  list: () => cache.list(),
  snapshot,
});

/** The operator's caches and actors as the debug routes read them; reads only, writes nothing. */
export const debugSources = (
  hubs: Reflector<KubeObject>,
  forms: Reflector<KubeObject>,
  nodes: Reflector<KubeObject>,
  hubActors: Pick<ActorSupervisor<unknown>, 'snapshotOf'>,
  formRegistry: FormRegistry,
  supervisor: Pick<ActorSupervisor<unknown>, 'snapshotOf'>,
): MachineSources => ({
  hub: source(hubs, (key) => hubActors.snapshotOf(key)),
  form: source(forms, (key) => formRegistry.snapshotOf(...splitKey(key))),
  node: source(nodes, (key) => supervisor.snapshotOf(key)),
});
