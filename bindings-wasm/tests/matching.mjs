// The matching of expected and actual findings, ported line by line from
// core/src/examples.rs (`matches`, `compare`) and core/src/condition.rs (`same`), so the JS
// runner judges each example exactly as the Rust runner does.
import { isDeepStrictEqual } from "node:util";

/** condition::same: numbers by value, strings ignoring surrounding white space. */
export function same(a, b) {
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a === "string" && typeof b === "string") return a.trim() === b.trim();
  return isDeepStrictEqual(a, b);
}

/** examples::matches: keys the expectation leaves out are not compared. */
export function matches(expected, record, actual) {
  return (
    (expected.record ?? 0) === record &&
    expected.path === actual.path &&
    (expected.paths === undefined || isDeepStrictEqual(expected.paths, actual.paths)) &&
    (expected.severity === undefined || expected.severity === actual.severity) &&
    (expected.message === undefined || expected.message === actual.message) &&
    (expected.acknowledged === undefined || expected.acknowledged === actual.acknowledged) &&
    (expected.ctx === undefined ||
      Object.entries(expected.ctx).every(
        ([k, v]) =>
          Object.hasOwn(actual.ctx, k) &&
          (same(actual.ctx[k], v) || isDeepStrictEqual(actual.ctx[k], v)),
      ))
  );
}

/** examples::compare: the problems of a case (empty: it passed). `actual` is [[record, finding]]. */
export function compare(expect, actual) {
  const unmatched = [...actual];
  const problems = [];
  for (const exp of expect) {
    const i = unmatched.findIndex(([r, f]) => matches(exp, r, f));
    if (i >= 0) unmatched.splice(i, 1);
    else problems.push(`expected ${JSON.stringify(exp)}`);
  }
  for (const [r, f] of unmatched) {
    problems.push(
      `unexpected finding on record ${r}: path ${f.path} paths ${JSON.stringify(f.paths)} ctx ${JSON.stringify(f.ctx)}`,
    );
  }
  return problems;
}
