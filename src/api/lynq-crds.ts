// The manifests installed with Lynq: its three CRDs and the deletion-protection admission policies.
import {
  deletionProtectionBinding,
  deletionProtectionPolicy,
  markedDeletionProtectionBinding,
  markedDeletionProtectionPolicy,
} from './deletion-protection.policy.js';
import { lynqFormCrd } from './lynq-form.schema.js';
import { lynqHubCrd } from './lynq-hub.schema.js';
import { lynqNodeCrd } from './lynq-node.schema.js';

/** In install order: the hub before the kinds that refer to it. */
export const lynqCrds = [lynqHubCrd, lynqFormCrd, lynqNodeCrd] as const;

/** Each policy before its binding, which names it. */
export const deletionProtectionManifests = [
  deletionProtectionPolicy,
  deletionProtectionBinding,
  markedDeletionProtectionPolicy,
  markedDeletionProtectionBinding,
] as const;
