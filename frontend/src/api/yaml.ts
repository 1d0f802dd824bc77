import { stringify } from 'yaml';
import type { K8sObject } from './types';

export const HIDDEN = '<hidden: click Reveal>';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A copy of an object without `metadata.managedFields` (noise for a reader). */
export function stripManagedFields<T extends K8sObject>(object: T): T {
  const copy = structuredClone(object);
  if (copy.metadata && typeof copy.metadata === 'object') delete copy.metadata.managedFields;
  return copy;
}

export function isSecret(object: K8sObject | null | undefined): boolean {
  return !!object && object.kind === 'Secret' && (object.apiVersion === 'v1' || object.apiVersion === undefined);
}

/**
 * A copy of a Secret whose values are hidden: every `data` and `stringData` value, and the
 * last-applied-configuration annotation (which carries the values too).
 */
export function hideSecretValues<T extends K8sObject>(object: T): T {
  const copy = structuredClone(object);
  for (const field of ['data', 'stringData'] as const) {
    const values = copy[field];
    if (values && typeof values === 'object') {
      const hidden: Record<string, string> = {};
      for (const key of Object.keys(values as Record<string, unknown>)) hidden[key] = HIDDEN;
      (copy as Record<string, unknown>)[field] = hidden;
    }
  }
  const annotations = copy.metadata?.annotations;
  if (annotations && LAST_APPLIED in annotations) annotations[LAST_APPLIED] = HIDDEN;
  return copy;
}

/** The object as YAML for reading: no managedFields, and a Secret's values hidden unless revealed. */
export function objectToYaml(object: K8sObject, options: { reveal?: boolean } = {}): string {
  let shown = stripManagedFields(object);
  if (isSecret(shown) && !options.reveal) shown = hideSecretValues(shown);
  // kubectl's order: apiVersion, kind, metadata, then the rest as the server sent it.
  const { apiVersion, kind, metadata, ...rest } = shown;
  const ordered = { apiVersion, kind, metadata, ...rest };
  return stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false, keepUndefined: false });
}

/** Decodes a Secret value: UTF-8 text when it is text, otherwise says it is binary. */
export function decodeSecretValue(base64: string): { text: string; binary: boolean; bytes: number } {
  let binaryString: string;
  try {
    binaryString = atob(base64);
  } catch {
    return { text: base64, binary: true, bytes: 0 };
  }
  const bytes = Uint8Array.from(binaryString, (c) => c.charCodeAt(0));
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Control characters other than whitespace mean binary data.
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for, not a typo.
    if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { text: base64, binary: true, bytes: bytes.length };
    return { text, binary: false, bytes: bytes.length };
  } catch {
    return { text: base64, binary: true, bytes: bytes.length };
  }
}
