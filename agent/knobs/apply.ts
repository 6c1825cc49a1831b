import { formatLiteral, type KnobValue } from './literal.ts';
import type { Marker } from './markers.ts';

/** Replaces only the literal of one marked line; every other byte of the file is kept. */
export function setMarkerValue(text: string, marker: Marker, value: KnobValue): string {
  const lines = text.split('\n');
  const line = lines[marker.line];
  if (line === undefined) throw new Error(`${marker.file}:${marker.line + 1} no longer exists`);
  lines[marker.line] = line.slice(0, marker.start) + formatLiteral(value, marker.style) + line.slice(marker.end);
  return lines.join('\n');
}
