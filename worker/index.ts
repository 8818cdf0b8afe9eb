import { createApp } from "./app.ts";

export { RateLimiter } from "./lib/rate-limiter.ts";
export { OrgRoom } from "./org/room.ts";

export default createApp();
