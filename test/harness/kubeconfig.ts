// Writes kubeconfig files (CA data plus a client certificate) that kubectl, helm and client-node all accept.
import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly server: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly user: string;
}

const base64File = async (path: string): Promise<string> =>
  (await readFile(path)).toString('base64');

/** Writes one self-contained kubeconfig (all data embedded) to `path`. */
export const writeKubeconfig = async (path: string, input: KubeconfigInput): Promise<void> => {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'lynq-test',
        cluster: {
          server: input.server,
          'certificate-authority-data': await base64File(input.caFile),
        },
      },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': await base64File(input.certFile),
          'client-key-data': await base64File(input.keyFile),
        },
      },
    ],
    contexts: [{ name: 'lynq-test', context: { cluster: 'lynq-test', user: input.user } }],
    'current-context': 'lynq-test',
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
};
