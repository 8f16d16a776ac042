import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DASHBOARD_SETTINGS, type RunningDashboard, resolveConfig, startDashboard } from '@metaclip-batch/dashboard';
import { createLogger } from '@metaclip-batch/telemetry';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MINIO_IMAGE } from './helpers/test-stack';
import {
  type Doc,
  expectFlagsIn,
  flagsOf,
  helpOf,
  interpolate,
  loadManifests,
  parseDuration,
  root,
  WORKER_BIN,
  walkYaml,
} from './infra-harness';

/**
 * There is no Docker engine or cluster here, so the deployment files are checked by parsing them: the compose stack,
 * every Kubernetes manifest and the Dockerfiles must say what the deployment guide promises. The figures KEDA
 * scales on are checked against a real dashboard over a real queue in the real Redis.
 */

const k8sDir = path.join(root, 'infra/k8s');

// Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 parsers leave off unless asked.
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as Doc;
const services = compose.services as Record<string, Doc>;
const manifests = walkYaml(k8sDir)
  .filter((f) => path.basename(f) !== 'kustomization.yaml')
  .flatMap((f) => loadManifests(f).map((doc) => ({ file: f, doc })));
const base = manifests.filter((m) => !m.file.includes(`${path.sep}overlays${path.sep}`)).map((m) => m.doc);

function find(kind: string, name: string): Doc {
  const doc = base.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) throw new Error(`no ${kind}/${name} under infra/k8s`);
  return doc;
}

const settings = find('ConfigMap', 'metaclip-settings').data as Record<string, string>;
/** The variables whose credentials may act in Bull Board, as the dashboard's settings table names them. */
const ADMIN_ENV = [DASHBOARD_SETTINGS.adminUser, DASHBOARD_SETTINGS.adminPassword, DASHBOARD_SETTINGS.adminToken].map(
  (s) => s.env,
);
const worker = find('Deployment', 'metaclip-worker');
const workerPod = worker.spec.template;
const workerContainer = workerPod.spec.containers[0] as Doc;

describe('docker-compose.yml', () => {
  it('has the demo services, each long-running one with a healthcheck', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['redis', 'minio', 'minio-init', 'producer', 'worker', 'dashboard']),
    );
    for (const name of ['redis', 'minio', 'worker', 'dashboard']) {
      expect(services[name]?.healthcheck?.test, name).toBeDefined();
    }
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(svc.depends_on ?? {})) expect(services, `${name} -> ${dep}`).toHaveProperty(dep);
    }
  });

  it('runs Redis with AOF and noeviction on a named volume', () => {
    const redis = services.redis as Doc;
    const cmd = (redis.command as string[]).join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--maxmemory-policy noeviction');
    const volume = (redis.volumes as string[])[0]?.split(':') ?? [];
    expect(volume[1]).toBe('/data');
    expect(compose.volumes).toHaveProperty(volume[0] as string);
  });

  it('creates the bucket with minio/mc before the producer and workers start', () => {
    const init = services['minio-init'] as Doc;
    expect(init.image).toMatch(/^minio\/mc/);
    expect(interpolate((init.command as string[]).join(' '))).toMatch(/mc mb --ignore-existing/);
    expect(init.depends_on.minio.condition).toBe('service_healthy');
    for (const name of ['producer', 'worker']) {
      expect(services[name]?.depends_on['minio-init'].condition).toBe('service_completed_successfully');
    }
  });

  it('runs the MinIO image the S3 test suites run where Docker answers', () => {
    expect(services.minio?.image).toBe(MINIO_IMAGE);
  });

  it('gives S3 endpoint and credentials to every app service', () => {
    for (const name of ['producer', 'worker', 'dashboard']) {
      const env = services[name]?.environment as Record<string, string>;
      expect(env.REDIS_URL, name).toBe('redis://redis:6379');
      expect(env.AWS_ENDPOINT_URL_S3, name).toBe('http://minio:9000');
      expect(interpolate(env.AWS_ACCESS_KEY_ID ?? '')).toBe(interpolate(services.minio?.environment.MINIO_ROOT_USER));
      expect(interpolate(env.AWS_SECRET_ACCESS_KEY ?? '')).toBe(
        interpolate(services.minio?.environment.MINIO_ROOT_PASSWORD),
      );
    }
  });

  it('reserves one NVIDIA GPU per worker and stays scalable', () => {
    const svc = services.worker as Doc;
    expect(svc.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    // `--scale worker=N` fails on a fixed name or a fixed host port.
    expect(svc.container_name).toBeUndefined();
    expect(svc.ports).toBeUndefined();
    const cmd = interpolate((svc.command as string[]).join(' '));
    expect(cmd).toMatch(/--model \S+ --queue metaclip\b/);
    expect(cmd).toMatch(/--metrics-port 9464\b/);
    // Docker must not SIGKILL a worker that is still finishing shards within its own grace.
    const graceSeconds = Number(svc.environment.METACLIP_GRACE_MS) / 1000;
    expect(parseDuration(svc.stop_grace_period)).toBeGreaterThan(graceSeconds);
  });

  it('offers one container per multi-GPU host that launches a worker per GPU', () => {
    const node = services['worker-node'] as Doc;
    expect(node.profiles).toEqual(['multi-gpu']);
    expect(node.deploy.resources.reservations.devices).toEqual([
      { driver: 'nvidia', count: 'all', capabilities: ['gpu'] },
    ]);
    expect((node.command as string[]).slice(0, 3)).toEqual(['launch', '--gpus', 'all']);
    expect(node.environment).toEqual(services.worker?.environment);
  });

  it('runs the demo enqueue with the flags the producer takes', async () => {
    const command = ((services.producer as Doc).command as string[]).map(interpolate);
    expect(command.join(' ')).toMatch(
      /^apps\/producer\/bin\/metaclip-producer\.js enqueue --source s3:\/\/metaclip\/samples\/ /,
    );
    expect(command.join(' ')).toContain('--queue metaclip --run-id demo');
    expectFlagsIn(await helpOf(command[0] as string, 'enqueue'), flagsOf(command));
  });

  it('starts workers with flags the worker takes', async () => {
    expectFlagsIn(await helpOf(WORKER_BIN), flagsOf(services.worker?.command));
    const launch = (services['worker-node'] as Doc).command as string[];
    expectFlagsIn(await helpOf(WORKER_BIN, 'launch'), flagsOf(launch));
  });

  it('passes Bull Board admin credentials through, unset by default, so Bull Board stays read-only', () => {
    const env = (services.dashboard as Doc).environment as Record<string, string>;
    for (const name of ADMIN_ENV) expect(env[name], name).toBe(`\${${name}:-}`);
    // As the server in the container reads them: no admin grant unless one is set on the host.
    const served = (host: Record<string, string>) =>
      resolveConfig(
        { host: '0.0.0.0', port: '3000' },
        Object.fromEntries(Object.entries(env).map(([k, v]) => [k, host[k] ?? interpolate(v)])),
      ).auth;
    expect(served({}).admin).toBeUndefined();
    const token = randomUUID();
    expect(served({ METACLIP_DASHBOARD_ADMIN_TOKEN: token }).admin).toEqual({ token });
  });

  it('publishes the dashboard on loopback unless told otherwise, and says so to the server', () => {
    const svc = services.dashboard as Doc;
    const published = (svc.ports as string[]).map(interpolate);
    expect(published).toEqual(['127.0.0.1:3000:3000']);
    expect(interpolate(svc.environment.METACLIP_DASHBOARD_PUBLISHED_HOST)).toBe('127.0.0.1');
    // The published host and the variable the server checks must be the same setting.
    const bindVar = /^\$\{([A-Z_]+)/.exec(svc.ports[0])?.[1];
    expect(svc.environment.METACLIP_DASHBOARD_PUBLISHED_HOST).toContain(`\${${bindVar}`);
  });
});

describe('infra/k8s', () => {
  it('lists only existing files in every kustomization', () => {
    const kustomizations = walkYaml(k8sDir).filter((f) => path.basename(f) === 'kustomization.yaml');
    expect(kustomizations.length).toBeGreaterThanOrEqual(2);
    for (const file of kustomizations) {
      const k = parse(readFileSync(file, 'utf8')) as Doc;
      const dir = path.dirname(file);
      const refs = [...(k.resources ?? []), ...(k.patches ?? []).map((p: Doc) => p.path)] as string[];
      expect(refs.length, file).toBeGreaterThan(0);
      for (const ref of refs) expect(existsSync(path.join(dir, ref)), `${file}: ${ref}`).toBe(true);
    }
    const baseResources = (parse(readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')) as Doc).resources;
    const onDisk = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...baseResources].sort()).toEqual(onDisk.sort());
  });

  it('runs Redis as a StatefulSet with AOF, noeviction and a persistent volume', () => {
    const sts = find('StatefulSet', 'redis');
    expect(find('Service', 'redis').spec.selector).toEqual(sts.spec.template.metadata.labels);
    const conf = find('ConfigMap', 'redis-config').data['redis.conf'] as string;
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  it('gives every worker pod one GPU, probes and Prometheus scrape annotations', () => {
    expect(workerContainer.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(workerContainer.resources.requests['nvidia.com/gpu']).toBe(1);
    const metricsPort = workerContainer.ports.find((p: Doc) => p.name === 'metrics').containerPort as number;
    expect(workerContainer.readinessProbe.httpGet.path).toBe('/readyz');
    expect(workerContainer.livenessProbe.httpGet.path).toBe('/healthz');
    expect(workerPod.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(metricsPort),
      'prometheus.io/path': '/metrics',
    });
    const args = (workerContainer.args as string[]).join(' ');
    expect(args).toContain(`--metrics-port ${metricsPort}`);
    expect(args).toContain('--device cuda');
  });

  it('configures the worker through the METACLIP_* variables it reads, with a pod grace longer than its own', async () => {
    expect(workerContainer.envFrom).toContainEqual({ configMapRef: { name: 'metaclip-settings' } });
    const help = await helpOf(WORKER_BIN);
    expectFlagsIn(help, flagsOf(workerContainer.args));
    // "Every flag also reads an environment variable": --grace-ms reads METACLIP_GRACE_MS, and so on. The prefix is
    // the producer's and the dashboard's setting.
    expect(help).toMatch(/Every flag also reads an environment variable \(METACLIP_MODEL/);
    const vars = Object.keys(settings).filter((k) => k.startsWith('METACLIP_') && k !== 'METACLIP_PREFIX');
    expect(vars).toEqual(expect.arrayContaining(['METACLIP_MODEL', 'METACLIP_QUEUE', 'METACLIP_GRACE_MS']));
    expectFlagsIn(
      help,
      vars.map((v) => `--${v.slice('METACLIP_'.length).toLowerCase().replaceAll('_', '-')}`),
    );
    const graceSeconds = Number(settings.METACLIP_GRACE_MS) / 1000;
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(graceSeconds);
  });

  it('scales workers with KEDA metrics-api triggers on the pending and active figures the dashboard serves', () => {
    const so = find('ScaledObject', 'metaclip-worker');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    const svc = find('Service', 'metaclip-dashboard');
    const port = (svc.spec.ports as Doc[])[0]?.port;
    const triggers = so.spec.triggers as Doc[];
    for (const t of triggers) {
      expect(t.type).toBe('metrics-api');
      expect(t.metadata.url).toBe(
        `http://metaclip-dashboard.metaclip.svc.cluster.local:${port}/api/scaling/${settings.METACLIP_QUEUE}`,
      );
      expect(Number(t.metadata.targetValue)).toBeGreaterThan(0);
      // The dashboard's API takes the bearer token from the Secret the dashboard itself reads.
      expect(t.metadata.authMode).toBe('bearer');
      const auth = find('TriggerAuthentication', t.authenticationRef.name);
      const ref = (auth.spec.secretTargetRef as Doc[]).find((r) => r.parameter === 'token');
      const dashboardEnv = find('Deployment', 'metaclip-dashboard').spec.template.spec.containers[0].env as Doc[];
      const tokenEnv = dashboardEnv.find((e) => e.name === 'METACLIP_DASHBOARD_TOKEN');
      expect(ref).toMatchObject({
        name: tokenEnv?.valueFrom.secretKeyRef.name,
        key: tokenEnv?.valueFrom.secretKeyRef.key,
      });
    }
    expect(triggers.map((t) => t.metadata.valueLocation).sort()).toEqual(['active', 'pending']);
    // One worker holds METACLIP_CONCURRENCY active shards: that is the per-pod target of the active figure.
    const active = triggers.find((t) => t.metadata.valueLocation === 'active');
    expect(active?.metadata.targetValue).toBe(settings.METACLIP_CONCURRENCY);
  });

  it('exposes the dashboard through a Service with credentials from the Secret', () => {
    const dep = find('Deployment', 'metaclip-dashboard');
    const svc = find('Service', 'metaclip-dashboard');
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    const container = dep.spec.template.spec.containers[0] as Doc;
    expect(container.args).toEqual(expect.arrayContaining(['--host', '0.0.0.0', '--queue', '$(METACLIP_QUEUE)']));
    const fromSecret = (container.env as Doc[])
      .filter((e) => e.valueFrom?.secretKeyRef?.name === 'metaclip-secrets')
      .map((e) => e.name);
    expect(fromSecret).toEqual(
      expect.arrayContaining(['METACLIP_DASHBOARD_USER', 'METACLIP_DASHBOARD_PASSWORD', ...ADMIN_ENV]),
    );
    // Bull Board's admin credentials are optional: without them the pod starts, and Bull Board is read-only.
    const admin = (container.env as Doc[]).filter((e) => ADMIN_ENV.includes(e.name));
    expect(admin.map((e) => e.valueFrom.secretKeyRef.optional)).toEqual([true, true, true]);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('resolves every ConfigMap and required Secret reference, and leaves the admin credentials out', () => {
    const secret = find('Secret', 'metaclip-secrets');
    // Placeholders for the admin keys would grant Bull Board's actions to whoever forgot to replace them.
    for (const key of ['DASHBOARD_ADMIN_USER', 'DASHBOARD_ADMIN_PASSWORD', 'DASHBOARD_ADMIN_TOKEN']) {
      expect(secret.stringData).not.toHaveProperty(key);
    }
    for (const dep of [worker, find('Deployment', 'metaclip-dashboard')]) {
      for (const c of dep.spec.template.spec.containers as Doc[]) {
        for (const from of c.envFrom ?? []) find('ConfigMap', from.configMapRef.name);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && !ADMIN_ENV.includes(e.name))
            expect(secret.stringData, `${c.name}: ${e.name}`).toHaveProperty(ref.key);
        }
      }
    }
  });

  it('has an overlay that pins workers to GPU nodes', () => {
    const patch = manifests.find((m) => m.file.includes('overlays') && m.doc.kind === 'Deployment')?.doc as Doc;
    expect(patch.metadata.name).toBe(worker.metadata.name);
    expect(patch.spec.template.spec.nodeSelector).toHaveProperty(['nvidia.com/gpu.present'], 'true');
    expect(patch.spec.template.spec.tolerations).toContainEqual(expect.objectContaining({ key: 'nvidia.com/gpu' }));
  });
});

describe('Dockerfiles', () => {
  const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

  it('builds the worker on CUDA with the onnxruntime CUDA provider of the locked version', () => {
    const df = read('infra/docker/worker.Dockerfile');
    expect(df).toMatch(/^ARG CUDA_IMAGE=nvidia\/cuda:13\.\d+\.\d+-cudnn-runtime-ubuntu24\.04$/m);
    expect(df).toMatch(/^ARG NODE_IMAGE=node:20-/m);
    expect(df).toContain('libonnxruntime_providers_cuda.so');
    expect(df).toContain('/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/');
    const lock = JSON.parse(read('package-lock.json')) as Doc;
    expect(lock.packages['node_modules/onnxruntime-node'].version).toBe('1.29.0');
    expect(df).toMatch(/^ENTRYPOINT \["node", "apps\/worker\/bin\/metaclip-worker\.cjs"\]$/m);
  });

  /** A Dockerfile's stages: name (or base image) and instructions, continuation lines joined. */
  const stages = (file: string) =>
    read(file)
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .reduce<{ name: string; lines: string[] }[]>((all, line) => {
        const from = /^FROM (\S+)(?: AS (\S+))?$/.exec(line);
        if (from) all.push({ name: from[2] ?? from[1] ?? '', lines: [] });
        else all.at(-1)?.lines.push(line);
        return all;
      }, []);

  it.each(['infra/docker/worker.Dockerfile', 'infra/docker/app.Dockerfile'])(
    '%s compiles in a build stage and ships production dependencies only',
    (file) => {
      const all = stages(file);
      const stage = (name: string) => all.find((s) => s.name === name)?.lines ?? [];
      const runtime = all.at(-1)?.lines ?? [];
      expect(stage('build')).toContainEqual(expect.stringMatching(/^RUN npm run build /));
      // node_modules comes from the stage that installed without dev dependencies, and only the compiled output
      // from the one that had them.
      expect(stage('deps').filter((l) => l.includes('npm '))).toEqual([
        expect.stringMatching(/^RUN .*npm ci --omit=dev /),
      ]);
      expect(runtime.filter((l) => / \/app \/app$/.test(l))).toEqual(['COPY --from=deps /app /app']);
      expect(runtime.filter((l) => l.startsWith('COPY --from=build'))).toEqual(['COPY --from=build /compiled/ /app/']);
      expect(runtime.filter((l) => /\bnpm\b|tsx/.test(l))).toEqual([]);
    },
  );

  it('builds the apps on slim Node 20 and keeps node_modules and secrets out of the context', () => {
    expect(read('infra/docker/app.Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const ignore = read('.dockerignore').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.env']));
  });

  it('names images compose builds and kustomize deploys consistently', () => {
    const images = (parse(read('infra/k8s/kustomization.yaml')) as Doc).images.map((i: Doc) => i.name);
    expect(images).toContain(workerContainer.image);
    expect(interpolate(services.worker?.image)).toBe(`${workerContainer.image}:latest`);
    expect(interpolate(services.dashboard?.image)).toBe(
      `${find('Deployment', 'metaclip-dashboard').spec.template.spec.containers[0].image}:latest`,
    );
  });
});

describe('the figures KEDA scales on, served by a real dashboard over a real queue', () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queueName = `infra-scaling-${randomUUID()}`;
  const token = randomUUID();
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection });
  let dashboard: RunningDashboard | undefined;

  afterAll(async () => {
    await dashboard?.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it('counts waiting, prioritized and delayed jobs as pending, nothing while paused; /metrics exports the queue', async () => {
    const config = resolveConfig({ port: '0', redisUrl, queue: [queueName] }, { METACLIP_DASHBOARD_TOKEN: token });
    dashboard = await startDashboard(config, createLogger({ name: 'dashboard', level: 'silent' }));
    const so = find('ScaledObject', 'metaclip-worker');
    const trigger = (so.spec.triggers as Doc[])[0] as Doc;
    const figures = async () => {
      const url = new URL(`api/scaling/${queueName}`, dashboard?.url);
      const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, number>;
    };
    await queue.add('shard', { shard: 0 });
    await queue.add('shard', { shard: 1 }, { priority: 5 });
    await queue.add('shard', { shard: 2 }, { delay: 3_600_000 });
    // A worker without a processor takes one job only when asked: exactly what a worker process does per shard.
    const takerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const taker = new Worker(queueName, null, { connection: takerConnection });
    try {
      expect(await taker.getNextJob('infra-test-token')).toBeDefined();
      const busy = await figures();
      expect(busy).toMatchObject({ active: 1 });
      expect(busy[trigger.metadata.valueLocation]).toBe(2);
      await queue.add('shard', { shard: 3 });
      expect((await figures()).pending).toBe(3);
      const metrics = await (await fetch(new URL('metrics', dashboard.url))).text();
      expect(metrics).toContain(`metaclip_queue_pending_jobs{queue="${queueName}",app="dashboard"} 3`);
      expect(metrics).toContain(`metaclip_queue_jobs{queue="${queueName}",state="delayed",app="dashboard"} 1`);
      expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds\{app="dashboard"\} /m);
      await queue.pause();
      expect(await figures()).toMatchObject({ pending: 0, paused: true });
      const unauthorised = await fetch(new URL(`api/scaling/${queueName}`, dashboard.url));
      expect(unauthorised.status).toBe(401);
    } finally {
      await taker.close();
      takerConnection.disconnect();
    }
  });
});
