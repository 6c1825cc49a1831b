/** An error the user caused and can fix: printed as one line, never as a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
}
