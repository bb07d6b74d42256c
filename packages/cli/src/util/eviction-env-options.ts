/**
 * The eviction-env settings a `cachelab train` command line or an experiment's `dqn.train[].env`
 * gives, as the options @cachelab/rl-agent's EvictionEnv takes: only the ones that differ from the
 * env's defaults, so agent.json (which `dqn:DIR` rebuilds the candidate rows from) lists exactly
 * what was switched on.
 */
export interface EvictionEnvSettings {
  candidates?: number;
  horizonFactor?: number;
  rewardShape?: 'linear' | 'hyperbolic' | 'rank';
  recentCandidates?: number;
  regimeFeatures?: boolean;
  reuseFeatures?: boolean;
  decayFeatures?: boolean;
}

export function evictionEnvOptions(s: EvictionEnvSettings): EvictionEnvSettings {
  return {
    ...(s.candidates !== undefined ? { candidates: s.candidates } : {}),
    ...(s.horizonFactor !== undefined ? { horizonFactor: s.horizonFactor } : {}),
    ...(s.rewardShape !== undefined && s.rewardShape !== 'linear' ? { rewardShape: s.rewardShape } : {}),
    ...(s.recentCandidates ? { recentCandidates: s.recentCandidates } : {}),
    ...(s.regimeFeatures ? { regimeFeatures: true } : {}),
    ...(s.reuseFeatures ? { reuseFeatures: true } : {}),
    ...(s.decayFeatures ? { decayFeatures: true } : {}),
  };
}
