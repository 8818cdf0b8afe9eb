import "vitest";

declare module "vitest" {
  /** What test/setup/database.ts provides (declared again here for the workerd tsconfig). */
  export interface ProvidedContext {
    databaseUrl: string;
    resendUrl: string;
  }
}
