// Which Ingresses are Sluice's: those whose class (spec.ingressClassName, else the deprecated
// kubernetes.io/ingress.class annotation) is one of our IngressClasses, and those with no class when one
// of ours is the default class or classless Ingresses are watched. Looks at classes, never at content.
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import { annotationOf, listOf, textOf } from './object-fields.js';

export interface ClassSelection {
  /** The `spec.controller` of our IngressClasses. */
  readonly controllerName: string;
  /** Take Ingresses with no class even when none of our IngressClasses is the default. */
  readonly watchIngressWithoutClass: boolean;
}

const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export function ingressSelector(classes: readonly V1IngressClass[], selection: ClassSelection): (ingress: V1Ingress) => boolean {
  const ours = listOf(classes).filter((ingressClass) => ingressClass?.spec?.controller === selection.controllerName);
  const names = new Set(ours.flatMap((ingressClass) => textOf(ingressClass.metadata?.name) ?? []));
  const takesClassless = selection.watchIngressWithoutClass || ours.some((ingressClass) => annotationOf(ingressClass.metadata, DEFAULT_CLASS_ANNOTATION) === 'true');
  return (ingress) => {
    const className = textOf(ingress?.spec?.ingressClassName) ?? annotationOf(ingress?.metadata, CLASS_ANNOTATION);
    return className === undefined ? takesClassless : names.has(className);
  };
}
