// Status classes as metric labels: a status becomes an index into a fixed list, so counting a response
// is one array increment and the label text exists once.

export const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** `status / 100`, or 0 ("other") for no status (the client went away first) or anything above 599. */
export function statusClassIndex(status: number): number {
  const statusClass = (status / 100) | 0;
  return statusClass < STATUS_CLASSES.length ? statusClass : 0;
}
