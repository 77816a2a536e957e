// The manifests installed with Lynq: its three CRDs and the admission policies (deletion protection, creation record).
import { creationRecordBinding, creationRecordPolicy } from './creation-record.policy.js';
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
  // Shipped in the same file: like the protection, it holds wherever the CRDs are installed.
  creationRecordPolicy,
  creationRecordBinding,
] as const;
