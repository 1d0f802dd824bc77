import { createContext, useContext } from 'react';
import type { ApiError } from '../api/client';
import type { Discovery } from '../api/discovery';
import type { ClusterInfo } from '../api/types';

export interface ClusterContextValue {
  cluster: string;
  info: ClusterInfo | undefined;
  /** `{base}clusters/{cluster}`: prepend to a Kubernetes API path. */
  prefix: string;
  discovery: Discovery | null;
  discoveryError: ApiError | null;
  /** Namespace names, or null while unknown (loading, or listing namespaces is forbidden). */
  namespaces: string[] | null;
  namespacesError: ApiError | null;
  /** Lists the namespaces again (the picker does when it gets focus). */
  refreshNamespaces: () => void;
  /** The namespace picked in the header; undefined = all namespaces. */
  ns: string | undefined;
}

export const ClusterContext = createContext<ClusterContextValue | null>(null);

export function useCluster(): ClusterContextValue {
  const value = useContext(ClusterContext);
  if (!value) throw new Error('useCluster outside <ClusterContext>');
  return value;
}
