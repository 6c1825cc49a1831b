import type { ToolTextEditor20250728 } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { describeZodError } from '../../validation.ts';
import { LinkRefused, readFileNoFollow, writeFileNoFollow } from '../../workspace/no-follow.ts';
import { resolveFile, ToolError, viewableFiles, type FileRules } from './confine.ts';

/** Anthropic's text editor tool in the version for current models (no undo_edit). */
export const EDITOR_TOOL: ToolTextEditor20250728 = { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' };

/** What one view may return; a longer file is cut here and the model is told to view a range. */
const MAX_VIEW_CHARS = 100_000;

const filePath = z.string({ message: 'path is required' });

const EditorInput = z.discriminatedUnion(
  'command',
  [
    z.object({ command: z.literal('view'), path: filePath, view_range: z.tuple([z.number().int(), z.number().int()]).optional() }),
    z.object({ command: z.literal('str_replace'), path: filePath, old_str: z.string().min(1, 'old_str must not be empty'), new_str: z.string().default('') }),
    z.object({ command: z.literal('create'), path: filePath, file_text: z.string() }),
    z
      .object({
        command: z.literal('insert'),
        path: filePath,
        insert_line: z.number().int().min(0),
        // insert_text in the current tool version; new_str in earlier documentation.
        insert_text: z.string().optional(),
        new_str: z.string().optional(),
      })
      .refine((i) => i.insert_text !== undefined || i.new_str !== undefined, { message: 'insert needs insert_text' }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'command must be one of view, str_replace, create, insert' : undefined) },
);

/**
 * Runs one text-editor command on the workspace, confined by `rules`; returns the text for the
 * tool_result. Anything refused or wrong throws a ToolError and changes nothing.
 */
export function runEditor(rules: FileRules, raw: unknown): string {
  try {
    return editorCommand(rules, raw);
  } catch (error) {
    // resolveFile checked with lstat; a link swapped in since is caught by O_NOFOLLOW here.
    if (error instanceof LinkRefused) throw new ToolError(`${error.file} is a symbolic link; links are not followed`);
    throw error;
  }
}

function editorCommand(rules: FileRules, raw: unknown): string {
  const parsed = EditorInput.safeParse(raw);
  if (!parsed.success) throw new ToolError(`invalid input: ${describeZodError(parsed.error)}`);
  const input = parsed.data;
  if (input.command === 'view' && ['.', './', ''].includes(input.path.trim())) return listing(rules);
  const access = input.command === 'view' ? 'read' : 'write';
  const { rel, abs } = resolveFile(rules, input.path, access);
  const text = readFileNoFollow(abs, rel);
  const write = (content: string) => writeFileNoFollow(abs, content, rel);
  switch (input.command) {
    case 'view':
      return view(rel, text, input.view_range);
    case 'str_replace': {
      const count = text.split(input.old_str).length - 1;
      if (count === 0) throw new ToolError(`no match for old_str in ${rel}; copy it exactly, whitespace and indentation included`);
      if (count > 1) throw new ToolError(`old_str occurs ${count} times in ${rel}; include more context so it is unique`);
      write(text.replace(input.old_str, () => input.new_str));
      return `replaced one occurrence in ${rel}`;
    }
    case 'create':
      write(input.file_text);
      return `wrote ${rel} (${input.file_text.split('\n').length} lines)`;
    case 'insert': {
      const lines = text.split('\n');
      const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
      if (input.insert_line > count) throw new ToolError(`insert_line ${input.insert_line} is past the end of ${rel} (${count} lines)`);
      const inserted = (input.insert_text ?? input.new_str)!.replace(/\n$/, '').split('\n');
      lines.splice(input.insert_line, 0, ...inserted);
      write(lines.join('\n'));
      return `inserted ${inserted.length} line(s) after line ${input.insert_line} of ${rel}`;
    }
  }
}

function listing(rules: FileRules): string {
  const editable = new Set(rules.editable);
  return viewableFiles(rules)
    .map((f) => `${f}${editable.has(f) ? ' (editable)' : ' (read-only)'}`)
    .join('\n');
}

function view(rel: string, text: string, range: [number, number] | undefined): string {
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const start = range ? range[0] : 1;
  const end = range && range[1] !== -1 ? range[1] : lines.length;
  if (start < 1 || start > lines.length || end < start || end > lines.length) {
    throw new ToolError(`view_range [${range?.join(', ')}] is outside ${rel}, which has ${lines.length} lines`);
  }
  const numbered = lines
    .slice(start - 1, end)
    .map((line, i) => `${start + i}: ${line}`)
    .join('\n');
  if (numbered.length <= MAX_VIEW_CHARS) return numbered;
  return `${numbered.slice(0, MAX_VIEW_CHARS)}\n[cut at ${MAX_VIEW_CHARS} characters: view a line range to see the rest]`;
}
