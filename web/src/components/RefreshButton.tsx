/** A list's "Refresh" (named "Refreshing…" and disabled while it is read again). */
export function RefreshButton(props: { loading: boolean; onClick: () => void }) {
  return (
    <button type="button" class="button ghost small" disabled={props.loading} onClick={() => props.onClick()}>
      {props.loading ? "Refreshing…" : "Refresh"}
    </button>
  );
}
