// Defensive reads of Kubernetes objects, which may lack any field or hold one of the wrong type (the
// translation never throws); how objects are named in problems, looked up by name, and ordered by age.
import type { V1ObjectMeta } from '@kubernetes/client-node';

/** The list, or an empty one for anything that is not an array. */
export function listOf<T>(value: readonly T[] | null | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, else undefined: the API leaves out empty strings, so '' counts as absent. */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An annotation's value, or undefined when it is absent or empty. */
export function annotationOf(metadata: V1ObjectMeta | undefined, key: string): string | undefined {
  return textOf(metadata?.annotations?.[key]);
}

/** A label's value, or undefined when it is absent or empty. */
export function labelOf(metadata: V1ObjectMeta | undefined, key: string): string | undefined {
  return textOf(metadata?.labels?.[key]);
}

/** `namespace/name`, with an empty part for what is missing. */
export function keyOf(metadata: V1ObjectMeta | undefined): string {
  return `${textOf(metadata?.namespace) ?? ''}/${textOf(metadata?.name) ?? ''}`;
}

/** How a problem names an object: `Ingress shop/web`. */
export function describeObject(kind: string, metadata: V1ObjectMeta | undefined): string {
  return `${kind} ${keyOf(metadata)}`;
}

/** Objects by `namespace/name`; the API never holds two with one key, so which of such twins wins is not defined. */
export function indexByKey<T extends { readonly metadata?: V1ObjectMeta }>(objects: readonly T[]): ReadonlyMap<string, T> {
  return new Map(objects.map((object) => [keyOf(object?.metadata), object]));
}

/** Code-unit order, the same in every locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Oldest first by creationTimestamp (a missing or unreadable one counts as newest), then by namespace/name. */
export function compareAge(a: V1ObjectMeta | undefined, b: V1ObjectMeta | undefined): number {
  const [timeA, timeB] = [createdAt(a), createdAt(b)];
  if (timeA !== timeB) return timeA < timeB ? -1 : 1;
  return compareText(keyOf(a), keyOf(b));
}

function createdAt(metadata: V1ObjectMeta | undefined): number {
  // A Date from @kubernetes/client-node; an RFC 3339 string from raw JSON.
  const value: unknown = metadata?.creationTimestamp;
  const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}
