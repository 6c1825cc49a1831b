/** The GPU ids a run recorded (its `gpus` column, a JSON list); empty when none or unreadable. */
export function rowGpus(gpus: string | null | undefined): string[] {
  if (!gpus) return [];
  try {
    const list: unknown = JSON.parse(gpus);
    return Array.isArray(list) ? list.map(String) : [];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return [];
  }
}
