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
