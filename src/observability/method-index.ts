// Request methods as metric labels: the standard methods get a fixed index, everything else is
// "other", so the label set stays small and a request's method is never turned into a new string.

export const METHOD_LABELS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'other'] as const;
export const OTHER_METHOD = METHOD_LABELS.length - 1;

export function methodIndex(method: string | undefined): number {
  switch (method) {
    case 'GET': return 0;
    case 'HEAD': return 1;
    case 'POST': return 2;
    case 'PUT': return 3;
    case 'DELETE': return 4;
    case 'PATCH': return 5;
    case 'OPTIONS': return 6;
    default: return OTHER_METHOD;
  }
}
