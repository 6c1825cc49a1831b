/** A run that ended without a usable metric: the runner's crash, timeout or divergence. */
export const isFailedRun = (status: unknown): boolean => status === 'crashed' || status === 'timeout' || status === 'diverged';
