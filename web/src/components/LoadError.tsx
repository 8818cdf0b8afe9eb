import { describeError } from "../api.ts";

/** A list or page that could not be read: what, why, and a way to try again. */
export function LoadError(props: { what: string; error: unknown; retry: () => void }) {
  return (
    <div class="banner error" role="alert">
      <p>
        Could not load the {props.what}: {describeError(props.error)}
      </p>
      <button type="button" class="button secondary small" onClick={() => props.retry()}>
        Try again
      </button>
    </div>
  );
}
