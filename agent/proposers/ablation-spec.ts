import { showValue, type KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';
import type { AblationSpec } from '../store/types.ts';

/** false, 0 and 'none' take a component out; any other alternative replaces it. */
export const removes = (value: KnobValue): boolean => value === false || value === 0 || value === 'none';

/** What setting an `@ablate` marker to `value` does, as the log records it. */
export function ablationSpec(marker: Marker, value: KnobValue): AblationSpec {
  return { part: marker.name, action: removes(value) ? 'REMOVE' : 'REPLACE', from: showValue(marker.value), to: showValue(value) };
}
