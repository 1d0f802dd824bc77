/** The Kubernetes shapes the UI reads (only the fields it uses). */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  generation?: number;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** `spec` or `status` read as the shape of the object's kind (unchecked, as the API's JSON is). */
export function part<T>(value: unknown): T {
  return (value ?? {}) as T;
}

export interface APIResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind?: string;
  groupVersion: string;
  resources: APIResource[];
}

export interface APIGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion?: { groupVersion: string; version: string };
}

export interface APIGroupList {
  kind?: string;
  groups: APIGroup[];
}

export interface APIVersions {
  kind?: string;
  versions: string[];
}

export interface ClusterInfo {
  name: string;
  server?: string;
  auth_type?: string;
  meta_data?: { source?: string; namespace?: string };
  error?: string;
}

export interface AppConfig {
  clusters: ClusterInfo[];
  auth?: { mode?: 'proxy' | 'oidc' | 'none' | string; loginUrl?: string | null; logoutUrl?: string | null };
}

export interface UserInfo {
  username: string;
  email?: string | null;
  groups?: string[];
  authMethod?: string;
}
