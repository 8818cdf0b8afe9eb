import { createApp } from "./app.ts";
import type { Bindings } from "./env.ts";
import { deliverDeploymentMail, forgetDeadLinkMail } from "./mail/deployment-mail.ts";

export { RateLimiter } from "./lib/rate-limiter.ts";
export { OrgRoom } from "./org/room.ts";

/** The cron trigger (wrangler.toml): retries the deployment's own queued mail (mail/deployment-mail.ts). */
async function scheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  await deliverDeploymentMail(env, controller.scheduledTime);
  await forgetDeadLinkMail(env, controller.scheduledTime);
}

// The app is the Worker's `fetch`; `scheduled` rides on it (the Workers runtime reads both).
export default Object.assign(createApp(), { scheduled });
