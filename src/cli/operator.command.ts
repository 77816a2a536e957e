// `lynq operator`: the composition root of the operator process — config, logger, transports, servers, leadership, the world of actors — and its orderly shutdown.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LynqError, messageOf } from '../errors.js';
import { drainingTransport } from '../kube/draining-transport.js';
import { createHttpTransport, type HttpTransport } from '../kube/http-transport.js';
import { createLeaderLease, type LeaderLease } from '../kube/leader-lease.js';
import { observedTransport, verbOf } from '../kube/observed-transport.js';
import { politeTransport } from '../kube/polite-transport.js';
import { createWriteFence, fencedTransport, openWriteFence } from '../kube/write-fence.js';
import { watchEventLoop } from '../observe/event-loop-watch.js';
import { startHealthServer, type HealthServer } from '../observe/health-server.js';
import { debugMachinesPrefix } from '../inspect/debug-routes.js';
import { startRouteServer, type RouteServer } from '../observe/http-routes.js';
import { createOperatorMetrics, type OperatorMetrics } from '../observe/metrics.js';
import { createRootLogger } from '../observe/logger.js';
import { routeProcessWarnings } from '../observe/process-warnings.js';
import { leaseNamespaceOf, loadKubeConfig } from './kubeconfig-source.js';
import { checkOperatorArgs, operatorHelp } from './operator-flags.js';
import { readOperatorConfig, type OperatorConfig } from './operator-config.js';
import { buildOperatorWorld, type OperatorWorld } from './operator-world.js';

type StopReason = 'signal' | 'leadership lost';

/** Resolves at SIGTERM/SIGINT (from the first moment: startup is interruptible, SPEC P3) or when told. */
const stopSignal = (): { promise: Promise<StopReason>; trigger(reason: StopReason): void } => {
  let trigger: (reason: StopReason) => void = () => undefined;
  const promise = new Promise<StopReason>((resolve) => {
    trigger = resolve;
    process.once('SIGTERM', () => {
      resolve('signal');
    });
    process.once('SIGINT', () => {
      resolve('signal');
    });
  });
  return { promise, trigger };
};

/** Runs until SIGTERM/SIGINT (exit 0) or until leadership is lost (exit 1); resolves with the exit code. */
export const runOperator = async (config: OperatorConfig): Promise<number> => {
  const logger = createRootLogger(config.logLevel);
  // From here on every line the process writes is JSON, Node's own warnings included (SPEC O5).
  const restoreWarnings = routeProcessWarnings(logger);
  const stop = stopSignal();
  // In the User-Agent too: the audit log tells one replica's writes from another's (SPEC P2).
  const identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  const election = config.leaderElection;
  // Startup is all or nothing: what can fail without the cluster fails first — an
  // unreadable kubeconfig, a taken port — with one line, before anything is watched or written.
  let httpTransport: HttpTransport;
  let lease: LeaderLease | undefined;
  let leaseTransport: HttpTransport | undefined;
  const fence = election.enabled ? createWriteFence() : openWriteFence();
  try {
    const kc = await loadKubeConfig(config);
    const userAgent = `lynq-operator (${identity})`;
    httpTransport = createHttpTransport(kc, { userAgent });
    if (election.enabled) {
      // Its own agent: renewals never queue behind other requests (SPEC P2, DESIGN 9).
      leaseTransport = createHttpTransport(kc, { userAgent, maxSockets: 2 });
      lease = createLeaderLease({
        ...election,
        transport: leaseTransport,
        namespace: leaseNamespaceOf(config),
        identity,
        fence,
        logger,
      });
    }
  } catch (err) {
    // A missing or malformed file (fs and YAML errors), an unsupported context (LynqError).
    if (!(err instanceof Error)) throw err;
    logger.fatal({ err, kubeconfig: config.kubeconfig }, 'Cannot use the kubeconfig; not starting');
    restoreWarnings();
    // No configuration at all is a usage error, like a missing flag.
    const usage = err instanceof LynqError && ['NoKubeconfig', 'InvalidConfig'].includes(err.code);
    return usage ? 2 : 1;
  }
  // Below the queue the fence and the drain judge each write as it leaves (SPEC P2, P3); above
  // it the metrics see every request, queueing included.
  const drain = drainingTransport(fencedTransport(httpTransport, fence));
  const polite = politeTransport(drain.transport, {
    maxInFlight: config.maxRequestsInFlight,
    qps: config.kubeApiQps,
    burst: config.kubeApiBurst,
  });
  let world: OperatorWorld | undefined;
  const metrics: OperatorMetrics = createOperatorMetrics({
    hubs: () => world?.sources.hubs() ?? [],
    forms: () => world?.sources.forms() ?? [],
    nodes: () => world?.sources.nodes() ?? [],
    reflectors: () => world?.sources.reflectors() ?? [],
    renderPool: () => world?.sources.renderPool() ?? { queueSize: 0, threads: 0 },
    actors: () => world?.sources.actors() ?? {},
    apiQueue: () => polite.stats(),
    leading: () => lease === undefined || lease.state() === 'leading',
    leaseName: election.name,
  });
  const transport = observedTransport(polite, (req, code, seconds) => {
    metrics.apiRequest(verbOf(req.method), code, seconds);
  });
  const loop = watchEventLoop();
  let health: HealthServer | undefined;
  let metricsServer: RouteServer | undefined;
  try {
    health =
      config.healthPort < 0
        ? undefined
        : await startHealthServer(config.healthPort, '0.0.0.0', {
            alive: () => loop.health(),
            // A standby that reaches the API server is ready: rolling updates proceed (SPEC P2).
            readyWithoutSync: () => lease?.state() === 'standby' && lease.participating(),
            // The read-only machine export (SPEC O3), answered once the world exists.
            routes: config.debugEndpoints
              ? [
                  {
                    path: debugMachinesPrefix,
                    prefix: true,
                    handle: (req, res) => {
                      if (world === undefined) {
                        res.writeHead(503, { 'content-type': 'text/plain' }).end('starting');
                      } else {
                        world.debugMachines(req, res);
                      }
                    },
                  },
                ]
              : [],
          });
    metricsServer =
      config.metricsPort < 0
        ? undefined
        : await startRouteServer({
            port: config.metricsPort,
            host: '0.0.0.0',
            routes: [metrics.route()],
            what: 'metrics',
            flag: '--metrics-port',
            codes: { portInUse: 'MetricsPortInUse', listenFailed: 'MetricsListenFailed' },
          });
  } catch (err) {
    if (!(err instanceof LynqError)) throw err;
    logger.fatal({ err }, 'Cannot serve the health or metrics port; not starting');
    loop.stop();
    await health?.close();
    restoreWarnings();
    return 1;
  }
  fence.onClosed(() => {
    stop.trigger('leadership lost');
  });

  // A stop may come at any await of the startup; each step looks before it starts more.
  let stopping = false;
  const isStopping = (): boolean => stopping;
  let building: Promise<unknown> = Promise.resolve();
  const startup = (async (): Promise<'started' | 'stopped'> => {
    await lease?.acquire();
    if (isStopping()) return 'stopped';
    building = buildOperatorWorld(config, logger, transport, metrics).then((built) => {
      world = built;
    });
    await building;
    if (isStopping() || world === undefined) return 'stopped';
    await world.start();
    return 'started';
  })();
  let reason: StopReason;
  let code = 0;
  try {
    const first = await Promise.race([startup, stop.promise]);
    if (first === 'stopped') {
      reason = 'signal';
    } else if (first === 'started') {
      logger.info({ namespaces: config.watchNamespaces ?? '(all)', identity }, 'Operator started');
      health?.markReady();
      reason = await stop.promise;
    } else {
      reason = first;
      // A lease wait or a cache sync cut short by the stop: nothing of it is awaited any more.
      startup.catch(() => undefined);
    }
  } catch (err) {
    logger.fatal({ err: messageOf(err) }, 'Operator could not start');
    reason = 'signal';
    code = 1;
  }
  if (reason === 'leadership lost') code = 1;
  logger.info({ reason }, 'Stopping');
  stopping = true;
  // A world being built when the stop came is stopped like a running one.
  await building.catch(() => undefined);
  // Stop taking work, let writes in flight finish within the bound, then stop the actors; the
  // lease goes last, when nothing of ours can still be on the wire (SPEC P3).
  await world?.stopWatching();
  const drained = await drain.drain(config.shutdownTimeoutMs);
  logger.info(drained, 'Writes drained');
  await world?.stop();
  await lease?.release();
  httpTransport.close();
  leaseTransport?.close();
  loop.stop();
  await Promise.all([health?.close(), metricsServer?.close()]);
  logger.info({ code }, 'Stopped');
  restoreWarnings();
  return code;
};

/** The `operator` subcommand; an invalid configuration exits 2 with one JSON line. */
export const operatorCommand = async (args: readonly string[]): Promise<number> => {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(operatorHelp());
    return 0;
  }
  let config: OperatorConfig;
  try {
    checkOperatorArgs(args);
    config = readOperatorConfig(args, process.env);
  } catch (err) {
    if (!(err instanceof LynqError)) throw err;
    // The configured log level is part of what failed: the default one says so.
    createRootLogger('info').fatal({ err }, 'Invalid operator configuration; not starting');
    return 2;
  }
  return runOperator(config);
};
