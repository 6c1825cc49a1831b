import { GreedyPolicy } from './greedy.ts';
import { NoiseAwarePolicy } from './noise-aware.ts';
import type { DecisionPolicy } from './types.ts';

/** The rules `--decision` can name; noise-aware is the default, greedy is autoresearch's rule. */
export const POLICY_NAMES = ['noise-aware', 'greedy'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** `simplifyMarginSd`: --simplify-margin, the non-inferiority margin of simplifications (noise-aware only). */
export function createPolicy(name: string, options: { simplifyMarginSd?: number } = {}): DecisionPolicy {
  switch (name) {
    case 'greedy':
      return new GreedyPolicy();
    case 'noise-aware':
      return new NoiseAwarePolicy(options.simplifyMarginSd === undefined ? {} : { simplifyMarginSd: options.simplifyMarginSd });
    default:
      throw new Error(`unknown decision rule ${name}`);
  }
}
