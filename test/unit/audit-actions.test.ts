import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { auditActionFilterShape, auditActionNames, describeAuditAction } from "../../worker/domain/audit-actions.ts";

const worker = fileURLToPath(new URL("../../worker/", import.meta.url));

/** The action names the Worker's code writes into the audit trail (`action: "…"`, `updatePlan(…, "…")`). */
function writtenActions(): Set<string> {
  const files = [
    ...readdirSync(join(worker, "org/commands")).map((f) => join(worker, "org/commands", f)),
    ...readdirSync(join(worker, "routes"), { recursive: true, encoding: "utf8" }).map((f) => join(worker, "routes", f)),
  ].filter((f) => f.endsWith(".ts"));
  const found = new Set<string>();
  for (const file of files) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!/\baction: |updatePlan\(|auditInsert\(|auditStatement\(/.test(line)) continue;
      for (const [, name] of line.matchAll(/"([a-z_]+\.[a-z_]+)"/g)) found.add(name as string);
    }
  }
  return found;
}

describe("the audit trail's actions", () => {
  it("lists every action the Worker records, so the dashboard names and filters each", () => {
    const written = writtenActions();
    expect(written.size).toBeGreaterThan(15);
    expect([...written].filter((a) => !auditActionNames.includes(a as never))).toEqual([]);
  });

  it("accepts every listed action and family as a filter, and nothing with other characters", () => {
    for (const action of auditActionNames) {
      expect(auditActionFilterShape.test(action)).toBe(true);
      expect(auditActionFilterShape.test(action.split(".")[0] as string)).toBe(true);
    }
    for (const bad of ["Member", "member.", ".removed", "member.removed.x", "member-removed", "member removed", ""]) {
      expect(auditActionFilterShape.test(bad), bad).toBe(false);
    }
  });

  it("describes known actions in words and shows unknown ones as they are", () => {
    expect(describeAuditAction("member.removed")).toBe("removed a member");
    expect(describeAuditAction("project.created")).toBe("created a project");
    expect(describeAuditAction("project.launched")).toBe("project.launched");
    expect(describeAuditAction("toString")).toBe("toString");
    expect(describeAuditAction("org.constructor")).toBe("org.constructor");
  });
});
