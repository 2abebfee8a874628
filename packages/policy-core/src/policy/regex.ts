// The regex escape hatch: tested case-insensitively on a statement's normalised text.
// Patterns are short and free of the constructs that make backtracking explode.

export const MAX_REGEX_LENGTH = 256;

const compiled = new Map<string, RegExp>();

/** Why a pattern is refused, or undefined when it is acceptable. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return `is ${pattern.length} characters long; keep it under ${MAX_REGEX_LENGTH} (prefer sql.statements, tables or functions)`;
  }
  try {
    new RegExp(pattern, "i");
  } catch (error) {
    return `does not compile: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) {
    return "uses a backreference, which can take exponential time; rewrite it without one";
  }
  // A quantified group that itself contains a quantifier: (a+)+, (\w*x)*, (a{2,})+ …
  if (
    /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,?\d*\})/.test(pattern)
  ) {
    return "nests a quantifier inside a quantified group, which can take exponential time; flatten it";
  }
  return undefined;
}

/** The compiled pattern (validated by validatePolicy; memoised). */
export function compileRuleRegex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    const problem = regexProblem(pattern);
    if (problem !== undefined) throw new Error(`regex ${problem}`);
    re = new RegExp(pattern, "i");
    compiled.set(pattern, re);
  }
  return re;
}
