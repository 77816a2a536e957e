// `lynq dashboard`: a read-only web page of hubs, forms and nodes with their live state machines, served on 127.0.0.1 with the user's own kubeconfig (SPEC O3b).
import { LynqError, messageOf } from '../errors.js';
import { createHttpTransport } from '../kube/http-transport.js';
import { startDashboard } from '../inspect/dashboard-server.js';
import { readMermaidBundle } from '../inspect/inspection-html.js';
import { createRootLogger } from '../observe/logger.js';
import { commandHelp, parseCommand, type CommandFlag } from './command-flags.js';
import { loadUserKubeConfig } from './user-kubeconfig.js';

export const dashboardFlags: readonly CommandFlag[] = [
  { name: 'kubeconfig', about: 'kubeconfig file', fallback: 'KUBECONFIG, then ~/.kube/config' },
  {
    name: 'namespace',
    about: 'show only these namespaces, comma-separated (Roles there are enough)',
    fallback: 'all namespaces',
  },
  {
    name: 'address',
    about: 'address to listen on; anything but loopback shows your cluster to your network',
    fallback: '127.0.0.1',
  },
  { name: 'port', about: 'port to listen on; 0 = any free port', fallback: '8090' },
  {
    name: 'log-level',
    about: 'trace, debug, info, warn, error (JSON lines on standard error)',
    fallback: 'warn',
  },
];

const usage = 'lynq dashboard [flags]';

const help = commandHelp(
  usage,
  "Serves a read-only web page: hubs, forms and nodes as a tree with phases, conditions and\nresources, a phase filter, and any object's state machine diagram with its current state and\nhistory, kept current by watches. Uses your kubeconfig and permissions; writes nothing.",
  dashboardFlags,
);

/** Runs until SIGINT or SIGTERM: 0 then, 1 when the cluster or the port cannot be used, 2 on bad usage. */
export const dashboardCommand = async (args: readonly string[]): Promise<number> => {
  const parsed = parseCommand('dashboard', dashboardFlags, args, 0);
  if (parsed.type === 'help') {
    process.stdout.write(help);
    return 0;
  }
  if (parsed.type === 'usage-error') {
    process.stderr.write(`lynq ${parsed.message}\n`);
    return 2;
  }
  const portText = parsed.values['port'] ?? '8090';
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65_535) {
    process.stderr.write(`lynq dashboard: --port: "${portText}" is not a port number\n`);
    return 2;
  }
  const namespaces = parsed.values['namespace']
    ?.split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const logger = createRootLogger(parsed.values['log-level'] ?? 'warn', process.stderr);
  let transport;
  try {
    transport = createHttpTransport(loadUserKubeConfig(parsed.values['kubeconfig'], process.env));
  } catch (err) {
    process.stderr.write(`lynq dashboard: ${messageOf(err)}\n`);
    return err instanceof LynqError && err.code === 'NoKubeconfig' ? 2 : 1;
  }
  try {
    const dashboard = await startDashboard({
      transport,
      namespaces: namespaces === undefined || namespaces.length === 0 ? undefined : namespaces,
      logger,
      address: parsed.values['address'] ?? '127.0.0.1',
      port,
      mermaidBundle: await readMermaidBundle(),
    });
    process.stdout.write(`lynq dashboard: ${dashboard.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await dashboard.close();
    return 0;
  } catch (err) {
    process.stderr.write(`lynq dashboard: ${messageOf(err)}\n`);
    return 1;
  } finally {
    transport.close();
  }
};
