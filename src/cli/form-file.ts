// Reads a LynqForm from a YAML file into the resource entries the renderer takes.

import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { resourceListNames } from '../api/lynq-form.schema.js';
import type { ResourceEntry } from '../render/render-types.js';

export interface FormFile {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly hubId: string | undefined;
  readonly resources: readonly ResourceEntry[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const stringRecord = (value: unknown, what: string): Record<string, string> | undefined => {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new Error(`${what} must be a map of strings`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
};

const optionalString = (value: unknown, what: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${what} must be a string`);
  return value;
};

const toEntry = (item: unknown, list: string, index: number): ResourceEntry => {
  const where = `spec.${list}[${index}]`;
  if (!isRecord(item)) throw new Error(`${where} must be a map`);
  const id = item['id'];
  if (typeof id !== 'string' || id === '')
    throw new Error(`${where}.id must be a non-empty string`);
  const dependIds = item['dependIds'];
  if (
    dependIds !== undefined &&
    !(Array.isArray(dependIds) && dependIds.every((d) => typeof d === 'string'))
  ) {
    throw new Error(`${where}.dependIds must be a list of ids`);
  }
  return {
    id,
    spec: item['spec'],
    nameTemplate: optionalString(item['nameTemplate'], `${where}.nameTemplate`),
    targetNamespace: optionalString(item['targetNamespace'], `${where}.targetNamespace`),
    labelsTemplate: stringRecord(item['labelsTemplate'], `${where}.labelsTemplate`),
    annotationsTemplate: stringRecord(item['annotationsTemplate'], `${where}.annotationsTemplate`),
    dependIds: dependIds,
  };
};

/** The form in a parsed YAML document: a LynqForm object, or a bare spec. */
const formFromDocument = (doc: unknown): FormFile => {
  if (!isRecord(doc)) throw new Error('the form file must hold a LynqForm');
  const spec = isRecord(doc['spec']) ? doc['spec'] : doc;
  const metadata = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const resources: ResourceEntry[] = [];
  for (const list of resourceListNames) {
    const items = spec[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw new Error(`spec.${list} must be a list`);
    items.forEach((item, i) => resources.push(toEntry(item, list, i)));
  }
  return {
    name: typeof metadata['name'] === 'string' ? metadata['name'] : 'form',
    namespace: typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined,
    hubId: typeof spec['hubId'] === 'string' ? spec['hubId'] : undefined,
    resources,
  };
};

/** Reads the first LynqForm of a YAML file (or the only document). Throws on unreadable input. */
export const readFormFile = async (path: string): Promise<FormFile> => {
  const docs = parseAllDocuments(await readFile(path, 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${path}: not a YAML stream`);
  const values: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0)
      throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    values.push(doc.toJS());
  }
  const form = values.find((v) => isRecord(v) && v['kind'] === 'LynqForm') ?? values[0];
  return formFromDocument(form);
};
