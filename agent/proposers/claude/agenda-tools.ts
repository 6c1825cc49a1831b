/**
 * The tools beside the editor and submit that let Claude work as a researcher across proposals:
 * `write_plan` keeps an agenda in the log (given back at every proposal, shown in the dashboard
 * and the report), `show_experiment` reads a past experiment as `nightshift show` prints it (its
 * diff, facts, curve and log tail), fenced: a log was written by edited code.
 */
import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { experimentDetail } from '../../query/experiment-detail.ts';
import { showText } from '../../query/show-text.ts';
import { AgendaStore, reportAgenda } from '../../store/agendas.ts';
import type { Db } from '../../store/db.ts';
import { describeZodError } from '../../validation.ts';
import { ToolError } from './confine.ts';
import { untrusted } from './context/fence.ts';

/** A tool the attempt loop offers beside the editor and submit, and how it answers a call. */
export interface SideTool {
  definition: Tool;
  run(input: unknown): string;
}

/** An agenda this long is a document, not a plan: the model is asked to keep it short. */
export const MAX_PLAN_CHARS = 4000;
/** Log lines show_experiment includes, as the context's failure tails do. */
const SHOWN_TAIL_LINES = 30;

const PlanInput = z.object({ plan: z.string().trim().min(1).max(MAX_PLAN_CHARS).describe('The agenda, as a short Markdown list') }).strict();
const ShowInput = z.object({ id: z.number().int().positive().describe('The experiment id, as the log shows it (#12 is 12)') }).strict();

function schemaOf(schema: z.ZodType): Tool['input_schema'] {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return { ...rest, type: 'object' };
}

function parsed<T>(schema: z.ZodType<T>, raw: unknown, tool: string): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ToolError(`invalid ${tool} input: ${describeZodError(result.error)}`);
  return result.data;
}

export function agendaTools(db: Db, sessionId: number): SideTool[] {
  const agendas = new AgendaStore(db);
  const writePlan: SideTool = {
    definition: {
      name: 'write_plan',
      description:
        'Write (or rewrite) your research agenda for this session: the experiments you mean to run next and why, as a short Markdown list. ' +
        'It is kept in the log, shown to the user, and given back to you at every proposal; rewrite it when results change your mind. ' +
        'It does not end your turn.',
      input_schema: schemaOf(PlanInput),
    },
    run(input) {
      const { plan } = parsed(PlanInput, input, 'write_plan');
      agendas.write(sessionId, 'claude', plan);
      return 'Saved: this plan is given back to you at every proposal until you write another.';
    },
  };
  const showExperiment: SideTool = {
    definition: {
      name: 'show_experiment',
      description:
        "Read one past experiment of the log in full: its diff, decision and numbers, its runs' facts, its loss curve and the last lines of its log. " +
        'Does not end your turn.',
      input_schema: schemaOf(ShowInput),
    },
    run(input) {
      const { id } = parsed(ShowInput, input, 'show_experiment');
      try {
        const detail = experimentDetail(db, id);
        if (detail.session.id !== sessionId) throw new ToolError(`experiment ${id} belongs to another session (${detail.session.id})`);
        // The whole text came from runs and proposals: it goes back as data, never as instructions.
        return untrusted(showText(detail, { tail: SHOWN_TAIL_LINES }));
      } catch (error) {
        if (error instanceof UserError) throw new ToolError(error.message);
        throw error;
      }
    },
  };
  return [writePlan, showExperiment];
}

/** The agenda in force, as the opening message gives it back (or how to start one). */
export function agendaSection(db: Db, sessionId: number): string {
  const agenda = reportAgenda(db, sessionId);
  if (!agenda) return '# Your agenda\nNone yet. write_plan keeps one across proposals: what to try next and why.';
  const version = agenda.versions > 1 ? `, version ${agenda.versions}` : '';
  return `# Your agenda (written ${agenda.written_at}${version}; rewrite it with write_plan when results change it)\n${agenda.plan}`;
}
