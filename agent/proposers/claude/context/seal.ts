import type { SealLevel } from '../../../config/load.ts';

const SEALS: Record<SealLevel, string> = {
  sealed:
    'Measurement: sealed. The metric comes from a read-only evaluation that reaches your model only through its predictor; a run that breaks a rule of the measurement (see the rules) is marked invalid.',
  separate: 'Measurement: separate. A read-only evaluation loads your trained model and computes the metric; the training script does not report it.',
  'self-reported': 'Measurement: self-reported. The training script prints the metric itself: keep its evaluation code exactly as it is.',
};

/** How far the measurement is out of the edited code's reach, and what that asks of the model. */
export const sealLine = (level: SealLevel): string => SEALS[level];
