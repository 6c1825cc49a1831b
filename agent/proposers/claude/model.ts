/**
 * Sonnet 5.5: fast and strong at code for its price ($2/$10 per MTok). Every second the model
 * thinks is a second the GPU may sit idle, so the fast tier is the default; --model picks another.
 * (Its own module so that `run --help` and a planner run need not load the SDK.)
 */
export const DEFAULT_MODEL = 'claude-sonnet-5-5';
