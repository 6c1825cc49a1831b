import fs from 'node:fs';
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { resolveFile, ToolError, type FileRules } from './confine.ts';

/** A file longer than this is not inlined; the model views the parts it needs. */
const MAX_INLINE_CHARS = 60_000;

/**
 * The first user message of a proposal: the editable files as they stand (so the model can edit
 * at once, saving a round trip while the GPU waits), then the log, then the task. The files
 * change only when a change is kept, so they get their own one-hour cache breakpoint.
 */
export function openingMessage(rules: FileRules, state: string, retryReason?: string): ContentBlockParam[] {
  const files = rules.editable.map((file) => {
    try {
      const text = fs.readFileSync(resolveFile(rules, file, 'read').abs, 'utf8');
      if (text.length > MAX_INLINE_CHARS) return `## ${file}\n(${text.split('\n').length} lines: too long to show here; view the parts you need)`;
      return `## ${file}\n\`\`\`\n${text}${text.endsWith('\n') ? '' : '\n'}\`\`\``;
    } catch (error) {
      if (error instanceof ToolError) return `## ${file}\n(not available: ${error.message})`;
      throw error;
    }
  });
  const task = [
    'Propose the next experiment: make one change with str_replace_based_edit_tool, then call submit_experiment.',
    retryReason ? `Your previous attempt at this experiment failed (${retryReason}); its edits were undone.` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return [
    { type: 'text', text: `# The editable files as they stand\n\n${files.join('\n\n')}`, cache_control: { type: 'ephemeral', ttl: '1h' } },
    { type: 'text', text: `${state}\n\n# Your task\n${task}` },
  ];
}
