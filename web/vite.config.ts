import { fileURLToPath } from "node:url";
import { defineConfig, type Connect, type Plugin } from "vite";
import solid from "vite-plugin-solid";

/** What web/public/_headers gives the built dashboard, for the dev server to send too. */
const pageHeaders = {
  "Content-Security-Policy": "frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
};
/** Pages whose URL carries a token (see web/public/_headers). */
const tokenPage = /^\/(auth\/callback|invitations\/[^/?#]+|join\/[^/?#]+)\/?([?#]|$)/;

/** `Referrer-Policy: no-referrer` on the pages whose URL carries a token, in dev and preview. */
function tokenPageHeaders(): Plugin {
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    if (tokenPage.test(req.url ?? "")) res.setHeader("Referrer-Policy", "no-referrer");
    next();
  };
  return {
    name: "roster-token-page-headers",
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}

/** The dashboard. `npm run dev` serves it with hot reload and proxies /api to the Worker. */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [solid(), tokenPageHeaders()],
  server: { headers: pageHeaders },
  preview: { headers: pageHeaders },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
});
