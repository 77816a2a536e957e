// Generates the control plane's throwaway PKI with openssl: serving CA, client CA, user certs, service-account keys.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const openssl = async (args: readonly string[], cwd: string): Promise<void> => {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    throw new Error(`harness: openssl ${args[0] ?? ''} failed (is openssl installed?)`, {
      cause: err,
    });
  }
};

/** A client identity: CN is the user name, O entries are its groups. */
export interface ClientIdentity {
  readonly user: string;
  readonly groups: readonly string[];
}

export interface ClientCertificate extends ClientIdentity {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Pki {
  readonly servingCaFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCaFile: string;
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
  readonly clients: ReadonlyMap<string, ClientCertificate>;
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;

const selfSignedCa = async (dir: string, name: string): Promise<void> => {
  await openssl(
    [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
};

const signedCert = async (
  dir: string,
  name: string,
  ca: string,
  subject: string,
  extensions: string,
): Promise<void> => {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    dir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
};

/** Creates every key and certificate in `dir`; the clients are keyed by user name. */
export const createPki = async (dir: string, clients: readonly ClientIdentity[]): Promise<Pki> => {
  await selfSignedCa(dir, 'serving-ca');
  await selfSignedCa(dir, 'client-ca');
  await signedCert(
    dir,
    'apiserver',
    'serving-ca',
    '/CN=kube-apiserver',
    'subjectAltName=DNS:localhost,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  const issued = new Map<string, ClientCertificate>();
  for (const client of clients) {
    const subject = `/CN=${client.user}${client.groups.map((g) => `/O=${g}`).join('')}`;
    const file = `client-${client.user.replace(/[^a-z0-9-]/gi, '_')}`;
    await signedCert(dir, file, 'client-ca', subject, 'extendedKeyUsage=clientAuth\n');
    issued.set(client.user, {
      ...client,
      certFile: join(dir, `${file}.crt`),
      keyFile: join(dir, `${file}.key`),
    });
  }
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    servingCaFile: join(dir, 'serving-ca.crt'),
    serverCertFile: join(dir, 'apiserver.crt'),
    serverKeyFile: join(dir, 'apiserver.key'),
    clientCaFile: join(dir, 'client-ca.crt'),
    serviceAccountKeyFile: join(dir, 'sa.key'),
    serviceAccountPublicKeyFile: join(dir, 'sa.pub'),
    clients: issued,
  };
};
