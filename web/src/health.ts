import { api } from "./api.ts";

/** `GET /api/health` (worker/routes/health/get.ts). */
export interface Health {
  status: "ok";
  database: { reachable: true; latencyMs: number };
  mail: "resend" | "dev_mailbox" | "not_configured";
  localDev: boolean;
  time: string;
}

export const fetchHealth = () => api<Health>("/api/health");
