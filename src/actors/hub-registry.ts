// Builds hub actors with shared dependencies, one per LynqHub the reflector reports.
import type { HubRef } from '../machines/hub.machine.js';
import { startHubActor, type HubActor, type HubActorDeps } from './hub.actor.js';

/** A function that starts the hub actor of one hub with the shared dependencies. */
export const hubActorFactory =
  (deps: HubActorDeps) =>
  (ref: HubRef): HubActor =>
    startHubActor(ref, deps);
