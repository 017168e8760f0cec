/** A bad option value, reported with the option's flag (and variable) at start-up. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}
