import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { AblationSpec } from '../../store/types.ts';
import { describeZodError } from '../../validation.ts';
import type { Proposal } from '../types.ts';
import { ToolError } from './confine.ts';

export const SUBMIT_TOOL_NAME = 'submit_experiment';

/** AblationBench's description of an ablation: which part, and whether it is removed, replaced or added. */
const Ablation = z
  .object({
    part: z.string().trim().min(1).max(80).describe('The component, named as the code or its @ablate marker names it (e.g. "layerNorm")'),
    action: z.enum(['REMOVE', 'REPLACE', 'ADD']).describe('REMOVE takes the part out; REPLACE swaps it for another; ADD puts in a new one'),
    replacement: z.string().trim().min(1).max(120).optional().describe('What replaces the part (REPLACE) or is added (ADD); none for REMOVE'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.action === 'REMOVE' && a.replacement !== undefined) ctx.addIssue({ code: 'custom', path: ['replacement'], message: 'REMOVE takes no replacement' });
    if (a.action !== 'REMOVE' && a.replacement === undefined)
      ctx.addIssue({ code: 'custom', path: ['replacement'], message: `${a.action} needs a replacement` });
  });

/** What the model submits; one schema gives both the tool's JSON schema and the check of its input. */
const Submission = z
  .object({
    description: z.string().trim().min(1).max(200).describe('What the change does, in one line (shown in the log and the report)'),
    hypothesis: z.string().trim().min(1).max(1000).describe('Why it should move the metric'),
    predicted_delta: z
      .number()
      .describe(
        "The delta you expect: candidate minus baseline, in the metric's units (negative is better when the metric is minimized). A number, e.g. -0.004",
      ),
    ablation: Ablation.optional().describe(
      'Set when the change is an ablation of one component: its effect then enters the effect table, measured over several runs',
    ),
  })
  .strict();
export type Submission = z.output<typeof Submission>;

const { $schema: _, ...inputSchema } = z.toJSONSchema(Submission, { io: 'input' });

export const SUBMIT_TOOL: Tool = {
  name: SUBMIT_TOOL_NAME,
  description:
    'Submit the change you made in the editable files as the next experiment. Call it once, after your edits; ' + 'it ends your turn and the experiment runs.',
  input_schema: { ...inputSchema, type: 'object' },
};

export function parseSubmission(raw: unknown): Submission {
  const parsed = Submission.safeParse(raw);
  if (!parsed.success) throw new ToolError(`invalid submission: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** A submitted ablation as the log records the planner's: part, action, and the change as "from -> to" for the effect table. */
export function ablationSpecOf(a: NonNullable<Submission['ablation']>): AblationSpec {
  if (a.action === 'REMOVE') return { part: a.part, action: 'REMOVE', from: 'present', to: 'none' };
  return { part: a.part, action: a.action, from: a.action === 'ADD' ? 'absent' : 'current', to: a.replacement! };
}

/**
 * The proposal a submission makes. An ablation is run as the planner runs one (kind ablation,
 * `ablationRuns` runs for an interval) so it enters the effect tables; anything else is one
 * 'llm' change, screened on one run.
 */
export function proposalOf(s: Submission, ablationRuns: number): Omit<Proposal, 'recorded'> {
  const common = { description: s.description, hypothesis: s.hypothesis, changeKey: null };
  if (!s.ablation) return { ...common, kind: 'llm', spec: null, minRuns: 1 };
  return { ...common, kind: 'ablation', spec: [ablationSpecOf(s.ablation)], minRuns: ablationRuns };
}
