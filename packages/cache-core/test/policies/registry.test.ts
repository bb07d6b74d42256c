/** The policy registry's parametric names (`prefix:argument`, e.g. `dqn:models/web07`). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LruPolicy, createPolicy, registerPolicyResolver } from '../../src/policies/index.js';

describe('parametric policy names', () => {
  const seen: string[] = [];
  registerPolicyResolver(
    'probe',
    (argument, options) => {
      seen.push(argument);
      return new LruPolicy(options);
    },
    'a test resolver',
  );

  it('hand the argument after the colon to the resolver', () => {
    createPolicy('probe:models/a', { capacity: 2 });
    expect(seen).toEqual(['models/a']);
  });

  it('refuse a name with nothing after the colon, naming the form, instead of resolving an empty path', () => {
    // `dqn:` reached its resolver as '' and failed as ": cannot read agent.json (… open 'agent.json')",
    // or loaded the current folder's agent.json.
    for (const name of ['probe:', 'probe:  ']) {
      expect(() => createPolicy(name, { capacity: 2 })).toThrow(ConfigError);
      expect(() => createPolicy(name, { capacity: 2 })).toThrow(`policy: "${name}" names nothing after the colon; write probe:<arg> (a test resolver)`);
    }
    expect(seen).toEqual(['models/a']);
  });
});
