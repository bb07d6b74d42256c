import { CachelabError } from '@cachelab/cache-core';
import { isLearnedPolicyName } from './learned-names.js';

/**
 * The DQN agent (@cachelab/rl-agent) is loaded on demand: replay-only runs never pay for
 * TensorFlow, and an install where it cannot load reports DQN cells as unsupported.
 */
/** The TF backend @cachelab/rl-agent picks, or null when the package cannot be imported. */
export async function tfBackendName(): Promise<string | null> {
  const agent = await importRlAgent();
  if (!agent) return null;
  try {
    return (await agent.initBackend()).name;
  } catch (error) {
    return `unavailable: ${(error as Error).message}`;
  }
}

export type RlAgent = typeof import('@cachelab/rl-agent');

/** @cachelab/rl-agent (importing it also registers the `dqn:DIR` policy resolver), or null. */
export async function importRlAgent(): Promise<RlAgent | null> {
  try {
    return await import('@cachelab/rl-agent');
  } catch (error) {
    if (process.env.CACHELAB_DEBUG === '1') process.stderr.write(`cannot import @cachelab/rl-agent: ${String(error)}\n`);
    return null;
  }
}

/**
 * Registers the learned-policy resolvers (`dqn:DIR`, `dqn-guard:DIR`) in this process when one of
 * `policies` names one; a command calls it before it resolves user-given policy names.
 */
export async function loadPoliciesFor(policies: readonly string[]): Promise<void> {
  const learned = policies.find(isLearnedPolicyName);
  if (learned === undefined) return;
  if (!(await importRlAgent())) {
    throw new CachelabError('UNSUPPORTED', `policy "${learned}" needs @cachelab/rl-agent, which cannot be imported here (run with CACHELAB_DEBUG=1 to see why)`);
  }
}
