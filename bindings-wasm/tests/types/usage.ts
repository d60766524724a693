// Type-checks the TypeScript definitions (js/index.d.ts) against how the README uses the API:
// `npx tsc -p tests/types` (ci.sh runs it). Nothing here runs.
import { init, RuleSet, todayInJapan, version } from "kakunin-wasm";
import type { CheckOptions, Finding, KakuninError, ListOptions, Report, RuleInfo } from "kakunin-wasm";

export async function example(record: Record<string, unknown>): Promise<string[]> {
  await init();
  const rules: RuleSet = RuleSet.bundled("hersys");
  const options: CheckOptions = { stage: "draft", locale: "en", as_of: todayInJapan() };
  const report: Report = rules.check(record, options);
  const fromText: Report = rules.checkJson(JSON.stringify(record));
  const ok: boolean = report.ok && fromText.ok;
  const paths: string[] = report.findings.flatMap((f: Finding) => f.paths);
  const first: Finding | undefined = report.findings[0];
  if (first) {
    const severity: "error" | "warning" | "info" = first.severity;
    const keys: [string, string, string, string, string[], Record<string, unknown>, string, boolean] = [
      first.rule,
      severity,
      first.message,
      first.path,
      first.paths,
      first.ctx,
      first.help,
      first.acknowledged,
    ];
    void keys;
  }
  const rulesList: RuleInfo[] = rules.list();
  const stages: Array<"draft" | "submit"> = rulesList.map((r) => r.stage);
  const inForce: ListOptions = { as_of: "2022-09-10", prefecture: "04" };
  rules.check(record, { as_of: new Date(), stage: "draft" });
  rules.list({ as_of: new Date("2022-09-10") });
  stages.push(...rules.list(inForce).map((r) => r.stage));
  // @ts-expect-error: a prefecture is a code string ("04")
  rules.list({ as_of: "2022-09-10", prefecture: 4 });
  const batch = rules.checkAll([record, record], { stage: "submit" });
  for (const item of batch) {
    if ("report" in item) paths.push(...item.report.findings.map((f) => f.path));
    else paths.push(item.error.kind);
  }
  const hash: string = `${rules.name} ${rules.version} ${rules.hash} ${version()}`;
  try {
    rules.check(record, { stage: "submit", select: ["dates"], ignore: ["dates/in-future"], tiers: ["hc"], reveal: false });
  } catch (e) {
    const error = e as KakuninError;
    paths.push(error.kind, error.message);
  }
  // @ts-expect-error: the stage is "draft" or "submit"
  rules.check(record, { stage: "final" });
  return ok ? [...paths, ...stages, hash] : paths;
}
