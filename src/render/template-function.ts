// The shape of one entry of the template function library: code and documentation in one table.

/** One template function, usable as a filter (piped value first) and, where useful, as a global. */
export interface TemplateFunction {
  readonly name: string;
  /** How it reads as a filter, e.g. `s | trunc(n)`. */
  readonly filterSignature: string;
  /** How it reads as a global, in Sprig's argument order, e.g. `trunc(n, s)`; absent = filter only. */
  readonly globalSignature?: string;
  /** One sentence: what it returns. */
  readonly meaning: string;
  /** A nunjucks template using it, e.g. `{{ "hello world" | trunc(5) }}`. */
  readonly example: string;
  /** The output of `example`, taken from Sprig's documentation where Sprig has the function. */
  readonly expected: string;
  /** Where the name clashes with a nunjucks built-in: which behaviour wins, and why. */
  readonly clash?: string;
  /** The filter: the piped value first. */
  readonly filter: (...args: never[]) => unknown;
  /** The global, in Sprig's argument order; absent when the filter form is the only one. */
  readonly global?: (...args: never[]) => unknown;
}
