import { readFileSync } from 'node:fs';
import {
  envOf,
  loadedCollectorConfig,
  mainContainer,
} from './support/k8s/objects.js';
import { findObject, OVERLAYS, type K8sObject } from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { repoPath } from './support/paths.js';
import {
  cpus,
  documentedFigures,
  gatewayFigures,
  mebibytes,
  planProblems,
  type GatewayManifest,
} from './support/scaling-plan.js';
import { mergeConfigs } from './support/upstream-components.js';
import type { YamlMap } from './support/yaml-file.js';

/**
 * docs/scaling.md and the production overlay cannot drift apart: the doc's key figures are
 * recomputed from its own constants and the rendered manifests (replicas × per-gateway capacity,
 * GOMEMLIMIT, the tail sampler's num_traces and decision_wait, the outage each queue bridges), and
 * the overlays' tail-sampler settings are the formulas' results for their limits.
 */

const SCALING = repoPath('docs/scaling.md');
const doc = readFileSync(SCALING, 'utf8');

const { describeWithKubectl, objectsOf } = kubectlSuite('capacity plan check');

function gatewayManifest(objects: readonly K8sObject[]): GatewayManifest {
  const sts = findObject(objects, 'StatefulSet', 'otel-gateway');
  const resources = mainContainer(objects, 'StatefulSet', 'otel-gateway')[
    'resources'
  ] as YamlMap;
  const requests = resources['requests'] as YamlMap;
  const limits = resources['limits'] as YamlMap;
  const env = envOf(objects, 'StatefulSet', 'otel-gateway');
  const config = loadedCollectorConfig(
    objects,
    'StatefulSet',
    'otel-gateway',
    mergeConfigs,
  );
  const tail = (config['processors'] as YamlMap)['tail_sampling'] as YamlMap;
  const decisionWait = /^(\d+)s$/.exec(String(tail['decision_wait']))?.[1];
  const number = (name: string): number => Number(env.get(name));
  return {
    replicas: Number((sts['spec'] as YamlMap)['replicas']),
    cpuRequest: cpus(String(requests['cpu'])),
    cpuLimit: cpus(String(limits['cpu'])),
    memoryRequestMib: mebibytes(String(requests['memory'])),
    memoryLimitMib: mebibytes(String(limits['memory'])),
    gomemlimitMib: Number(
      /^(\d+)MiB$/.exec(String(env.get('GOMEMLIMIT')))?.[1],
    ),
    numTraces: number('GATEWAY_TAIL_NUM_TRACES'),
    expectedTracesPerSec: number('GATEWAY_TAIL_EXPECTED_TRACES_PER_SEC'),
    decisionWaitSeconds: Number(decisionWait),
    spanQueue: number('GATEWAY_EXPORT_QUEUE_SPANS'),
    logQueue: number('GATEWAY_LOGS_QUEUE_RECORDS'),
  };
}

describe("docs/scaling.md's keyed figures", () => {
  it('are read as numbers, constants and results alike', () => {
    const figures = documentedFigures(doc);
    expect(figures.get('collector_spans_per_core')).toBe(15_000);
    expect(figures.get('tail_sampling_factor')).toBe(0.75);
    expect(figures.get('gateway_capacity_total')).toBeGreaterThanOrEqual(
      Number(figures.get('plan_spans_per_s')),
    );
    expect(figures.size).toBeGreaterThanOrEqual(20);
  });

  it('follow from the constants: a gateway core, tail sampling discounted, with its log records', () => {
    const f = gatewayFigures(documentedFigures(doc), 4, 8192);
    expect(Math.round(f['gateway_spans_per_core'])).toBe(8953);
    expect(f['gateway_num_traces']).toBe(250_000);
    expect(f['gateway_gomemlimit_mib']).toBe(6553);
  });
});

describeWithKubectl('the production overlay against docs/scaling.md', () => {
  it('agree: replicas, sizes, GOMEMLIMIT, num_traces, decision_wait, capacity and outage figures', () => {
    expect(planProblems(doc, gatewayManifest(objectsOf('production')))).toEqual(
      [],
    );
  });

  it('the check fails when the overlay or the doc changes alone', () => {
    const manifest = gatewayManifest(objectsOf('production'));
    expect(planProblems(doc, { ...manifest, replicas: 5 }).join('\n')).toMatch(
      /gateway_replicas: docs\/scaling.md says 6, the production gateway replicas is 5/,
    );
    expect(
      planProblems(doc, {
        ...manifest,
        memoryLimitMib: 4096,
        memoryRequestMib: 4096,
      }).join('\n'),
    ).toMatch(
      /production GATEWAY_TAIL_NUM_TRACES is 250000, the formula gives 120000/,
    );
    expect(
      planProblems(doc, { ...manifest, cpuRequest: 1 }).join('\n'),
    ).toMatch(/does not request all of its CPU/);
    const slipped = doc.replace(/\| 107,441 \|/, '| 108,000 |');
    expect(slipped).not.toBe(doc);
    expect(planProblems(slipped, manifest).join('\n')).toMatch(
      /gateway_capacity_total: docs\/scaling.md says 108000/,
    );
    const looserLogs = doc.replace(/\| 0\.228 {3}\|/, '| 0.333   |');
    expect(looserLogs).not.toBe(doc);
    expect(planProblems(looserLogs, manifest).length).toBeGreaterThan(0);
  });

  it.each(OVERLAYS)(
    '%s: the tail sampler and GOMEMLIMIT follow the formulas for its own limits',
    (overlay) => {
      const m = gatewayManifest(objectsOf(overlay));
      const f = gatewayFigures(
        documentedFigures(doc),
        m.cpuLimit,
        m.memoryLimitMib,
      );
      expect({
        GOMEMLIMIT: m.gomemlimitMib,
        num_traces: m.numTraces,
        expected: m.expectedTracesPerSec,
        decisionWaitCovered:
          m.decisionWaitSeconds <= f['gateway_max_decision_wait'],
      }).toEqual({
        GOMEMLIMIT: f['gateway_gomemlimit_mib'],
        num_traces: f['gateway_num_traces'],
        expected: f['gateway_expected_traces'],
        decisionWaitCovered: true,
      });
    },
  );
});
