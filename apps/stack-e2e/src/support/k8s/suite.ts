import { announceSkip, inCi } from '../skip.js';
import {
  locateKubectl,
  renderOverlay,
  type K8sObject,
  type KubectlAvailability,
  type Overlay,
} from './render.js';

/** What every deploy/k8s suite starts with: kubectl, the skip rule, and the rendered overlays. */
export interface KubectlSuite {
  readonly kubectl: KubectlAvailability;
  /** `describe` where kubectl is there (and always in CI, where its absence must fail). */
  readonly describeWithKubectl: jest.Describe;
  /** The objects an overlay renders to, rendered once per suite. */
  objectsOf(overlay: Overlay): K8sObject[];
}

/**
 * Finds kubectl; outside CI, without it, says once why the suite named `what` is skipped. In CI the
 * suite runs regardless, and its first render fails with the reason.
 */
export function kubectlSuite(what: string): KubectlSuite {
  const kubectl = locateKubectl();
  if (!kubectl.available && !inCi()) announceSkip(what, kubectl.reason);
  const rendered = new Map<Overlay, K8sObject[]>();
  return {
    kubectl,
    describeWithKubectl: kubectl.available || inCi() ? describe : describe.skip,
    objectsOf(overlay) {
      const cached = rendered.get(overlay);
      if (cached) return cached;
      if (!kubectl.available) throw new Error(kubectl.reason);
      const objects = renderOverlay(kubectl.path, overlay);
      rendered.set(overlay, objects);
      return objects;
    },
  };
}
