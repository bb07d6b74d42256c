/**
 * Names → policy factories. Adding a policy is one file plus one line in policies/index.ts.
 * Other packages add policies at import time (`markov`) or resolve parametric names
 * (`dqn:DIR` from @cachelab/rl-agent) through registerPolicyResolver.
 */
import { CachelabError, ConfigError } from '../errors.js';
import type { EvictionPolicy, PolicyInfo, PolicyOptions } from './policy.js';

export class UnknownPolicyError extends CachelabError {
  constructor(
    readonly policy: string,
    readonly known: readonly string[],
    /** Where the name was given (an experiment's `policies[3]`), when known. */
    readonly field?: string,
  ) {
    super('UNKNOWN_POLICY', `${field === undefined ? '' : `${field}: `}unknown policy "${policy}"; known policies: ${known.join(', ')}`);
  }
}

/** Builds a policy for a parametric name `prefix:argument` (e.g. `dqn:runs/model`). */
export type PolicyResolver = (argument: string, options: PolicyOptions) => EvictionPolicy;

const policies = new Map<string, PolicyInfo>();
const resolvers = new Map<string, { resolver: PolicyResolver; summary: string }>();

export function registerPolicy(info: PolicyInfo): void {
  policies.set(info.name, info);
}

export function registerPolicyResolver(prefix: string, resolver: PolicyResolver, summary: string): void {
  resolvers.set(prefix, { resolver, summary });
}

export function getPolicyInfo(name: string): PolicyInfo | undefined {
  return policies.get(name);
}

/** Registered policy names, then `prefix:` forms. */
export function knownPolicyNames(): string[] {
  return [...policies.keys(), ...[...resolvers.keys()].map((p) => `${p}:<arg>`)];
}

export function listPolicies(): PolicyInfo[] {
  return [...policies.values()];
}

export function createPolicy(name: string, options: PolicyOptions): EvictionPolicy {
  const info = policies.get(name);
  if (info) return info.factory(options);
  const colon = name.indexOf(':');
  if (colon > 0) {
    const prefix = name.slice(0, colon);
    const entry = resolvers.get(prefix);
    if (entry) {
      const argument = name.slice(colon + 1);
      // `dqn:` would otherwise reach the resolver as the path '': "cannot read agent.json" of an
      // empty path, or the current folder's agent.json when it has one.
      if (argument.trim() === '') throw new ConfigError('policy', `"${name}" names nothing after the colon; write ${prefix}:<arg> (${entry.summary})`);
      return entry.resolver(argument, options);
    }
  }
  throw new UnknownPolicyError(name, knownPolicyNames());
}
