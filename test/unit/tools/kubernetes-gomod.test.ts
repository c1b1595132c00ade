import { describe, expect, it } from 'vitest';
import { renderWrapperGoMod, stagedModules, stagingVersion } from '../../../tools/binaries/kubernetes-gomod.ts';

const upstream = `module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
	k8s.io/utils v0.0.0
	k8s.io/kube-openapi v0.0.0-20260721132016-d427ff9ee9ad
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go // staged
)
`;

describe('the kubernetes wrapper go.mod', () => {
  it.each([
    ['v1.37.2', 'v0.37.2'],
    ['v1.36.10', 'v0.36.10'],
  ])('maps Kubernetes %s to staging tag %s', (k, staging) => {
    expect(stagingVersion(k)).toBe(staging);
  });

  it('replaces exactly the modules replaced by a local path or required at v0.0.0', () => {
    expect(stagedModules(upstream)).toEqual(['k8s.io/api', 'k8s.io/client-go', 'k8s.io/utils']);
  });

  it('pins staged modules at the staging tag, unpublished ones at the given version, and copies go and godebug', () => {
    const goMod = renderWrapperGoMod({ upstreamGoMod: upstream, version: 'v1.37.2', unpublished: new Map([['k8s.io/utils', 'v0.0.0-20260626114624-be93311217bd']]), modulePath: 'example/wrapper' });
    expect(goMod).toContain('module example/wrapper\n');
    expect(goMod).toContain('\ngo 1.26.0\n');
    expect(goMod).toContain('\ngodebug default=go1.26\n');
    expect(goMod).toContain('require k8s.io/kubernetes v1.37.2');
    expect(goMod).toContain('\tk8s.io/api => k8s.io/api v0.37.2\n');
    expect(goMod).toContain('\tk8s.io/client-go => k8s.io/client-go v0.37.2\n');
    expect(goMod).toContain('\tk8s.io/utils => k8s.io/utils v0.0.0-20260626114624-be93311217bd\n');
    expect(goMod).not.toContain('kube-openapi');
  });
});
