// The errors a template can raise while compiling or rendering, with a stable code and a position.

/** Stable codes of template failures; `TemplateRenderError` is the resource-level reason (N14). */
export const templateCodes = {
  /** The resource-level reason every template failure is reported under (SPEC N14). */
  renderError: 'TemplateRenderError',
  syntax: 'TemplateSyntaxError',
  unknownFunction: 'TemplateUnknownFunction',
  undefinedValue: 'TemplateUndefinedValue',
  sandboxViolation: 'TemplateSandboxViolation',
  /** A function's own bound (`range` length, string length). */
  limitExceeded: 'TemplateLimitExceeded',
  /** The node's render time or output size budget: the whole node fails (T5). */
  budgetExceeded: 'RenderBudgetExceeded',
  typeError: 'TemplateTypeError',
  /** Any other error raised while evaluating (a function rejecting its arguments…). */
  evaluation: 'TemplateEvaluationError',
} as const;

export type TemplateCode = (typeof templateCodes)[keyof typeof templateCodes];

/**
 * One failure of one template, positioned in its source (1-based line and column, when known).
 * Thrown inside compiled templates, so it also carries nunjucks' `lineno`: nunjucks' error
 * handler passes an error that has one through unchanged.
 */
export class TemplateFault extends Error {
  readonly code: TemplateCode;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    code: TemplateCode,
    message: string,
    position?: { readonly line: number; readonly column: number },
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TemplateFault';
    this.code = code;
    this.line = position?.line;
    this.column = position?.column;
  }

  /** nunjucks checks this to decide whether an error already has a position. */
  get lineno(): number | undefined {
    return this.line;
  }
}

/** A position from nunjucks' 0-based AST coordinates. */
export const positionOf = (lineno: number, colno: number): { line: number; column: number } => ({
  line: lineno + 1,
  column: colno + 1,
});

export const sandboxViolation = (
  message: string,
  position?: { readonly line: number; readonly column: number },
): TemplateFault => new TemplateFault(templateCodes.sandboxViolation, message, position);
