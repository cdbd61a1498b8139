/**
 * deploy/ (issue #22): the Kustomize manifests render (test/deploy/kustomize.ts, the subset deploy/ uses) and every
 * object validates against the Kubernetes schemas (kubernetes-models 4.5.1); then what a schema cannot see:
 * selectors match pod labels, probes answer on the teacher's real routes, every secret file the teacher config
 * names is mounted from a Secret (and documented), the daemon's ConfigMap parses with the daemon's own config schema
 * under the DaemonSet's env, the DaemonSet sits on edge nodes with the host's devices, images and Dockerfiles agree.
 * kubernetes-models' validators ignore unknown fields (as `kubectl apply --validate=false` would); a misspelt field
 * is caught by `kubectl kustomize … | kubectl apply --dry-run=server -f -` against a cluster, not here.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import t from 'tap';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { buildCloudApp, cloudConfigSchema, openTeacherStore, type TeacherPlanner } from '../../cloud/index.js';
import { parseConfigText } from '../../daemon/config/index.js';
import { type K8sObject, renderKustomization } from './kustomize.js';

const repo = new URL('../../', import.meta.url).pathname;
const TEACHER = join(repo, 'deploy/kubernetes/teacher');
const DAEMON = join(repo, 'deploy/kubeedge/daemon');
const teacherObjects = renderKustomization(TEACHER);
const daemonObjects = renderKustomization(DAEMON);

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/DaemonSet': DaemonSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'batch/v1/Job': Job,
};

// The shapes this test reads (a narrow view of the Kubernetes types; the schemas above check the rest).
interface Probe {
  httpGet?: { path: string; port: number | string; host?: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: { privileged?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  resources?: { limits?: Record<string, string | number> };
}
interface SecretItems {
  secretName?: string;
  name?: string;
  items?: Array<{ key: string; path: string }>;
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: SecretItems;
  projected?: { sources: Array<{ secret?: SecretItems }> };
  hostPath?: { path: string; type?: string };
  emptyDir?: unknown;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key?: string; operator?: string; effect?: string }>;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
}
interface Workload {
  spec: { selector?: { matchLabels?: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`);
  return found[0]!;
}
const workload = (o: K8sObject): Workload => o as unknown as Workload;
const subset = (small: Record<string, string> | undefined, big: Record<string, string>): boolean =>
  small !== undefined && Object.keys(small).length > 0 && Object.entries(small).every(([k, v]) => big[k] === v);

/** Secret files a container sees: mount path + item path → Secret name and key. */
function secretFiles(pod: PodSpec, c: Container): Map<string, { secret: string; key: string }> {
  const out = new Map<string, { secret: string; key: string }>();
  for (const m of c.volumeMounts ?? []) {
    const v = (pod.volumes ?? []).find((x) => x.name === m.name);
    const sources =
      v?.secret !== undefined ? [v.secret] : (v?.projected?.sources ?? []).flatMap((s) => (s.secret === undefined ? [] : [s.secret]));
    for (const s of sources) {
      for (const item of s.items ?? [])
        out.set(posix.join(m.mountPath, item.path), { secret: s.secretName ?? s.name ?? '', key: item.key });
    }
  }
  return out;
}

/** Every `*_file` value of a parsed config, with its dotted key. */
function fileKeys(value: unknown, path: string[] = []): Array<{ key: string; file: string }> {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    k.endsWith('_file') && typeof v === 'string' ? [{ key: [...path, k].join('.'), file: v }] : fileKeys(v, [...path, k]),
  );
}

t.test('every object validates against the Kubernetes schemas', async (t) => {
  for (const [dir, objects] of [
    ['teacher', teacherObjects],
    ['daemon', daemonObjects],
  ] as const) {
    const names = new Set<string>();
    for (const o of objects) {
      const id = `${dir}: ${o.kind}/${o.metadata.name}`;
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      t.ok(Model, `${id}: a known kind (${o.apiVersion})`);
      if (Model === undefined) continue;
      t.doesNotThrow(() => new Model(o as never).validate(), id);
      t.notOk(names.has(`${o.kind}/${o.metadata.name}`), `${id}: unique`);
      names.add(`${o.kind}/${o.metadata.name}`);
      t.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'homesight', `${id}: labelled by the kustomization`);
      if (o.kind !== 'Namespace') t.equal(o.metadata.namespace, dir === 'teacher' ? 'homesight' : 'homesight-edge', `${id}: namespace`);
    }
  }
  t.same(teacherObjects.map((o) => o.kind).sort(), [
    'ConfigMap',
    'Deployment',
    'HorizontalPodAutoscaler',
    'Job',
    'Namespace',
    'PodDisruptionBudget',
    'Service',
    'ServiceAccount',
  ]);
  t.same(daemonObjects.map((o) => o.kind).sort(), ['ConfigMap', 'DaemonSet', 'Namespace']);
});

t.test('selectors, names and ports refer to what exists', async (t) => {
  const deploy = workload(one(teacherObjects, 'Deployment'));
  const podLabels = deploy.spec.template.metadata.labels;
  t.ok(subset(deploy.spec.selector?.matchLabels, podLabels), 'Deployment selector matches its pod labels');
  const svc = one(teacherObjects, 'Service') as unknown as {
    spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> };
  };
  t.ok(subset(svc.spec.selector, podLabels), 'Service selects the teacher pods');
  const pdb = one(teacherObjects, 'PodDisruptionBudget') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } };
  t.ok(subset(pdb.spec.selector.matchLabels, podLabels), 'PodDisruptionBudget selects the teacher pods');
  const hpa = one(teacherObjects, 'HorizontalPodAutoscaler') as unknown as {
    spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
  };
  t.equal(hpa.spec.scaleTargetRef.kind, 'Deployment');
  t.equal(hpa.spec.scaleTargetRef.name, one(teacherObjects, 'Deployment').metadata.name, 'HPA scales the teacher Deployment');
  t.ok(hpa.spec.minReplicas >= 2, 'at least two replicas');
  const container = deploy.spec.template.spec.containers[0]!;
  const portNames = new Set((container.ports ?? []).map((p) => p.name));
  for (const p of svc.spec.ports) t.ok(portNames.has(p.targetPort), `Service targetPort ${p.targetPort} is a container port`);
  t.equal(deploy.spec.template.spec.serviceAccountName, one(teacherObjects, 'ServiceAccount').metadata.name);
  const job = workload(one(teacherObjects, 'Job'));
  t.equal(job.spec.template.spec.containers[0]!.resources?.limits?.['nvidia.com/gpu'], 1, 'the training Job requests a GPU');
  t.equal(
    (one(teacherObjects, 'Job') as unknown as { spec: { suspend: boolean } }).spec.suspend,
    true,
    'the template runs nothing when applied',
  );
  const ds = workload(one(daemonObjects, 'DaemonSet'));
  t.ok(subset(ds.spec.selector?.matchLabels, ds.spec.template.metadata.labels), 'DaemonSet selector matches its pod labels');
  for (const [objects, w] of [
    [teacherObjects, deploy],
    [daemonObjects, ds],
  ] as const) {
    for (const v of w.spec.template.spec.volumes ?? []) {
      if (v.configMap !== undefined) t.ok(one(objects, 'ConfigMap', v.configMap.name), `ConfigMap ${v.configMap.name} is rendered`);
    }
  }
});

t.test("the teacher's probes answer on its real routes", async (t) => {
  const deploy = workload(one(teacherObjects, 'Deployment'));
  const c = deploy.spec.template.spec.containers[0]!;
  const probes = [c.startupProbe, c.livenessProbe, c.readinessProbe].map((p) => p?.httpGet);
  t.same(
    probes.map((p) => p?.path),
    ['/healthz', '/healthz', '/readyz'],
  );
  for (const p of probes) t.equal(p?.port, 'http');
  const store = await openTeacherStore({ kind: 'sqlite', file: ':memory:' });
  const teacher: TeacherPlanner = {
    name: 'none',
    plan: async () => ({ plan: null, confidence: 0, samples: 0, valid: 0, votes: 0, issues: [] }),
  };
  const { app } = buildCloudApp({ store, teacher, enrollmentSecret: 'x' });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  for (const p of probes) {
    const r = await app.inject({ method: 'GET', url: p!.path });
    t.equal(r.statusCode, 200, `GET ${p!.path} answers 200 on a ready teacher`);
  }
});

t.test('the teacher config parses, and every secret it names is mounted from a Secret', async (t) => {
  const deploy = workload(one(teacherObjects, 'Deployment'));
  const pod = deploy.spec.template.spec;
  const c = pod.containers[0]!;
  const cm = one(teacherObjects, 'ConfigMap', 'homesight-teacher') as unknown as { data: Record<string, string> };
  const configMount = (c.volumeMounts ?? []).find((m) => m.subPath === 'teacher.yaml');
  t.ok(configMount, 'teacher.yaml is mounted');
  t.same(c.args, ['--config', configMount!.mountPath], 'the container reads the mounted config');
  const parsed = cloudConfigSchema.safeParse(parse(cm.data['teacher.yaml']!));
  t.ok(parsed.success, `teacher.yaml parses: ${parsed.success ? '' : parsed.error.message}`);
  if (!parsed.success) return;
  const config = parsed.data;
  t.equal(config.host, '0.0.0.0', 'listens beyond loopback (the pod network)');
  t.equal((c.ports ?? []).find((p) => p.name === 'http')?.containerPort, config.port, 'container port = config port');
  t.equal(config.storage.kind, 'postgres', 'replicas share PostgreSQL (SQLite is one process)');
  t.ok(config.jobs.drain_s < (pod.terminationGracePeriodSeconds ?? 30), 'the SIGTERM drain fits in the grace period');
  const secrets = secretFiles(pod, c);
  const files = fileKeys(config);
  t.ok(files.length >= 5, `${files.length} *_file keys`);
  for (const f of files) t.ok(secrets.has(f.file), `${f.key} (${f.file}) is a mounted Secret item`);
  for (const name of ['adapter-signing.pem', 'adapter-signing.pub.pem']) {
    t.ok(secrets.has(posix.join(config.keys_dir, name)), `keys_dir holds ${name} from a Secret (all replicas sign alike)`);
  }
  // the operator creates these Secrets; docs/deploy.md must say how, with the same keys
  const docs = readFileSync(join(repo, 'docs/deploy.md'), 'utf8');
  const bySecret = new Map<string, Set<string>>();
  for (const s of secretFiles(pod, c).values()) bySecret.set(s.secret, (bySecret.get(s.secret) ?? new Set()).add(s.key));
  for (const s of secretFiles(
    workload(one(daemonObjects, 'DaemonSet')).spec.template.spec,
    workload(one(daemonObjects, 'DaemonSet')).spec.template.spec.initContainers![0]!,
  ).values())
    bySecret.set(s.secret, (bySecret.get(s.secret) ?? new Set()).add(s.key));
  for (const [secret, keys] of bySecret) {
    const line = docs.split('\n').find((l) => l.includes(`create secret generic ${secret} `));
    t.ok(line, `docs/deploy.md creates Secret ${secret}`);
    for (const k of keys) t.ok(line?.includes(`--from-file=${k}=`), `docs/deploy.md gives ${secret} its key ${k}`);
  }
});

t.test("the daemon's ConfigMap parses with the daemon's config schema under the DaemonSet's env", async (t) => {
  const ds = workload(one(daemonObjects, 'DaemonSet'));
  const pod = ds.spec.template.spec;
  const c = pod.containers.find((x) => x.name === 'homesight')!;
  const cm = one(daemonObjects, 'ConfigMap') as unknown as { data: Record<string, string> };
  const configMount = (c.volumeMounts ?? []).find((m) => m.subPath === 'homesight.yaml')!;
  t.same(c.args, ['run', '--config', configMount.mountPath], 'the daemon runs the mounted config');
  const node = 'edge-node-1';
  const env = Object.fromEntries(
    (c.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName' ? node : (e.value ?? '')]),
  );
  // the secret files the config names exist in the pod; here they are stand-ins in a temporary folder
  const tmp = mkdtempSync(join(tmpdir(), 'hs-deploy-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const text = cm.data['homesight.yaml']!;
  const fileValues = fileKeys(parse(text));
  let local = text;
  for (const f of fileValues) {
    const stand = join(tmp, f.file);
    mkdirSync(dirname(stand), { recursive: true });
    writeFileSync(stand, 'stand-in\n');
    local = local.replaceAll(f.file, stand);
  }
  const { config } = parseConfigText(local, 'deploy/kubeedge/daemon/configmap.yaml', { env });
  t.equal(config.device_id, node, 'HOMESIGHT_DEVICE_ID from the node name');
  t.equal(config.household.id, node, 'HOMESIGHT_HOUSEHOLD__ID from the node name');
  const mounts = c.volumeMounts ?? [];
  const hostPathMount = (path: string): string | undefined => {
    const m = mounts.find((x) => path === x.mountPath || path.startsWith(`${x.mountPath}/`));
    return pod.volumes?.find((v) => v.name === m?.name)?.hostPath?.path;
  };
  for (const [key, path] of Object.entries(config.paths)) {
    if (key === 'media_dir') continue;
    t.ok(hostPathMount(path), `paths.${key} (${path}) lies on a hostPath volume`);
  }
  t.ok(
    config.learning.teacher.token_file !== undefined &&
      hostPathMount(fileValues.find((f) => f.key === 'learning.teacher.token_file')!.file),
    'the device token lives on the node',
  );
  t.equal(pod.hostNetwork, true, 'hostNetwork: the node-local broker and the home LAN');
  t.equal(config.mqtt.broker, 'external');
  t.match(config.mqtt.url ?? '', /^mqtts?:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/, "MQTT goes to the node's broker");
  t.equal(c.livenessProbe?.httpGet?.path, '/healthz');
  t.equal(c.livenessProbe?.httpGet?.port, config.health.port, 'liveness probe on health.port');
  t.equal(c.livenessProbe?.httpGet?.host, config.health.host, 'liveness probe on health.host (loopback under hostNetwork)');
  const init = pod.initContainers?.find((x) => x.name === 'enroll');
  t.ok(
    init?.command?.join(' ').includes('learning enroll --config ' + configMount.mountPath),
    'the init container enrolls with the same config',
  );
  t.same(init?.env, c.env, 'the init container sees the same device id and household');
});

t.test('the DaemonSet runs on edge nodes only, with the host devices', async (t) => {
  const pod = workload(one(daemonObjects, 'DaemonSet')).spec.template.spec;
  t.equal(pod.nodeSelector?.['node-role.kubernetes.io/edge'], '', 'pinned to KubeEdge edge nodes');
  t.ok(
    pod.tolerations?.some((x) => x.key === 'node-role.kubernetes.io/edge' && x.operator === 'Exists'),
    'tolerates the edge taint',
  );
  const c = pod.containers.find((x) => x.name === 'homesight')!;
  t.equal(c.securityContext?.privileged, true, 'privileged: the device cgroup lets /dev/video* and /dev/nvidia* through');
  const dev = (c.volumeMounts ?? []).find((m) => m.mountPath === '/dev');
  t.equal(pod.volumes?.find((v) => v.name === dev?.name)?.hostPath?.path, '/dev', "the node's /dev (hot-plugged cameras appear)");
});

t.test('images, Dockerfiles and commands agree', async (t) => {
  const containers = [teacherObjects, daemonObjects].flatMap((objects) =>
    objects
      .filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet' || o.kind === 'Job')
      .flatMap((o) => [...workload(o).spec.template.spec.containers, ...(workload(o).spec.template.spec.initContainers ?? [])]),
  );
  const images = new Set(containers.map((c) => c.image));
  const tags = new Set([...images].map((i) => i.split(':')[1]));
  t.equal(tags.size, 1, `one release tag across images (${[...tags].join(', ')})`);
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  t.same([...tags], [version], 'the tag is package.json version');
  for (const [dockerfile, target, image] of [
    ['deploy/docker/daemon.Dockerfile', undefined, 'homesight-daemon'],
    ['deploy/docker/teacher.Dockerfile', undefined, 'homesight-teacher'],
    ['deploy/docker/teacher.Dockerfile', 'trainer', 'homesight-trainer'],
  ] as const) {
    const text = readFileSync(join(repo, dockerfile), 'utf8');
    const built = [...text.matchAll(/docker build -f (\S+)( --target (\S+))? -t (\S+) \./g)].find(
      (m) => m[1] === dockerfile && m[3] === target,
    )?.[4];
    t.ok(
      built !== undefined && images.has(built),
      `${dockerfile}${target === undefined ? '' : ` --target ${target}`} builds ${built}, used by the manifests`,
    );
    t.ok(built?.includes(`/${image}:`), `${image}`);
  }
  for (const dockerfile of ['deploy/docker/daemon.Dockerfile', 'deploy/docker/teacher.Dockerfile']) {
    const text = readFileSync(join(repo, dockerfile), 'utf8');
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(' ')) t.ok(existsSync(join(repo, src.replace('*.py', ''))), `${dockerfile}: COPY ${src} exists`);
    }
  }
  const daemonfile = readFileSync(join(repo, 'deploy/docker/daemon.Dockerfile'), 'utf8');
  t.match(daemonfile, /ENTRYPOINT \["node", [^\]]*"bin\/homesight\.js"\]/, 'the image runs bin/homesight.js (args: run --config …)');
  const unit = readFileSync(join(repo, 'systemd/homesight.service'), 'utf8');
  for (const m of unit.matchAll(/^Environment=(HOMESIGHT_RUNTIME|MALLOC_\w+|NODE_ENV)=(\S+)$/gm)) {
    t.ok(daemonfile.includes(`${m[1]}=${m[2]}`), `the image sets ${m[1]}=${m[2]} as the systemd unit does`);
  }
  t.match(daemonfile, /RUN npm run build/, 'the daemon image runs the dist/ build');
  const job = workload(one(teacherObjects, 'Job')).spec.template.spec.containers[0]!;
  const script = job.command?.[1] ?? '';
  t.ok(existsSync(join(repo, script)), `the training Job runs ${script}`);
  const defined = new Set([...readFileSync(join(repo, script), 'utf8').matchAll(/add_argument\("(--[a-z-]+)"/g)].map((m) => m[1]));
  for (const a of job.args ?? []) if (a.startsWith('--')) t.ok(defined.has(a), `${script} takes ${a}`);
});
