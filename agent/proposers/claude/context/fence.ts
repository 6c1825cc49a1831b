import { printable } from '../../../text/printable.ts';

/**
 * Text that came out of a run (a crash reason quoting its output, a log tail): fenced, stripped of
 * control characters, and unable to close its own fence. The rules tell the model it is data.
 */
export function untrusted(text: string): string {
  return `<run-output>${printable(text).replaceAll('<run-output>', '<run_output>').replaceAll('</run-output>', '</run_output>')}</run-output>`;
}
