import type { HealthView } from "../../worker/views/index.ts";
import { api } from "./api.ts";

/** `GET /api/health`. */
export const fetchHealth = () => api<HealthView>("/api/health");
