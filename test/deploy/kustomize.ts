/**
 * The subset of Kustomize that deploy/ uses, rendered in the test so CI needs no kubectl: `resources` (YAML files,
 * several documents each), `namespace` (set on every namespaced object) and `labels` (pairs added to
 * metadata.labels; includeSelectors and includeTemplates are refused, as deploy/ does not use them). Any other
 * kustomization key is refused too, so this renderer can never silently differ from `kubectl kustomize`, which
 * gives the same objects (cross-checked by hand; kubectl is not part of CI).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>;
  resources?: string[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);

/** Objects of every YAML document in a file (empty documents skipped). */
export function readObjects(file: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: K8sObject[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    const o = d.toJS() as K8sObject | null;
    if (o !== null) out.push(o);
  }
  return out;
}

export function renderKustomization(dir: string): K8sObject[] {
  const k = readObjects(join(dir, 'kustomization.yaml'))[0] as unknown as Kustomization;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: the test renderer does not support ${unknown.join(', ')}`);
  const objects = (k.resources ?? []).flatMap((r) => readObjects(join(dir, r)));
  for (const o of objects) {
    if (k.namespace !== undefined && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) {
      if (l.includeSelectors === true || l.includeTemplates === true)
        throw new Error(`${dir}: labels with selectors/templates unsupported`);
      o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
    }
  }
  return objects;
}
