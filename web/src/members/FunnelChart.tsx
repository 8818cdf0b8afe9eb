import { createEffect, createResource, createSignal, createUniqueId, For, on, onCleanup, Show, type Accessor } from "solid-js";
import type { InvitationFunnelView } from "../../../worker/views/index.ts";
import { api, describeError } from "../api.ts";

/** The funnel's outcomes, in the order they are drawn, with their words. */
const outcomes = [
  { key: "accepted", label: "Accepted" },
  { key: "pending", label: "Pending" },
  { key: "declined", label: "Declined" },
  { key: "expired", label: "Expired" },
  { key: "revoked", label: "Revoked" },
] as const;

/** How long the funnel waits after a change before reading (changes come in bursts: an invitation and its seats). */
const settleMs = 400;

const percent = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 100));

/** "Of 12 invitations sent: 5 accepted (42%), …": the chart in words. */
export function funnelSentence(funnel: InvitationFunnelView): string {
  if (funnel.sent === 0) return "No invitations sent yet.";
  const parts = outcomes.map((o) => `${funnel[o.key]} ${o.label.toLowerCase()} (${percent(funnel[o.key], funnel.sent)}%)`);
  return `Of ${funnel.sent} invitation${funnel.sent === 1 ? "" : "s"} sent: ${parts.join(", ")}.`;
}

/**
 * The organization's invitation funnel (GET …/invitations/funnel): every invitation sent, and
 * where each stands — accepted, pending, declined, expired, revoked — as bars of the whole,
 * drawn in SVG at the width it is given. Its text alternative is the same figures in words
 * (the SVG's description) and as a table (under "Show as a table"). Read again a moment
 * after `version` changes (the seats and the invitations on screen move with every step; a
 * burst of changes reads once), never while the page is offline (once back, it reads again).
 */
export function FunnelChart(props: { slug: string; version: Accessor<string>; offline: Accessor<boolean> }) {
  const [settled, setSettled] = createSignal(props.version());
  createEffect(
    on(
      props.version,
      (version) => {
        const timer = setTimeout(() => setSettled(version), settleMs);
        onCleanup(() => clearTimeout(timer));
      },
      { defer: true },
    ),
  );
  // Never throws (a resource in error would, to the page's error boundary): a failed read keeps the last figures.
  const [answer] = createResource(() => (props.offline() ? false : settled()), async (): Promise<{ data: InvitationFunnelView } | { error: unknown }> => {
    try {
      return { data: await api<InvitationFunnelView>(`/api/v1/orgs/${encodeURIComponent(props.slug)}/invitations/funnel`) };
    } catch (error) {
      return { error };
    }
  });
  let last: InvitationFunnelView | undefined;
  const data = (): InvitationFunnelView | undefined => {
    const current = answer.latest;
    if (current && "data" in current) last = current.data;
    return last;
  };
  const failure = () => {
    const current = answer.latest;
    return current && "error" in current ? current.error : undefined;
  };
  const titleId = createUniqueId();
  const descId = createUniqueId();
  const [width, setWidth] = createSignal(600);
  const observe = (el: HTMLElement) => {
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    observer.observe(el);
    onCleanup(() => observer.disconnect());
  };

  const row = 30;
  const labelWidth = () => (width() < 420 ? 76 : 96);
  const valueWidth = 84;
  const barSpace = () => width() - labelWidth() - valueWidth;
  const barOf = (n: number, of: number) => (of === 0 ? 0 : Math.max(n > 0 ? 2 : 0, (n / of) * barSpace()));

  return (
    <figure class="funnel" ref={observe}>
      <figcaption id={titleId}>Invitation funnel</figcaption>
      <Show when={failure() !== undefined && !data()}>
        <p class="muted">Could not load the funnel: {describeError(failure())}</p>
      </Show>
      <Show when={data()} fallback={<Show when={failure() === undefined}><p class="muted" role="status">Loading the funnel…</p></Show>}>
        {(data) => (
          <>
            <svg role="img" aria-labelledby={titleId} aria-describedby={descId} width={width()} height={row * (outcomes.length + 1)} viewBox={`0 0 ${width()} ${row * (outcomes.length + 1)}`}>
              <desc id={descId}>{funnelSentence(data())}</desc>
              <g class="funnel-row">
                <text x={0} y={row / 2} dominant-baseline="central" class="funnel-label strong">
                  Sent
                </text>
                <rect x={labelWidth()} y={5} width={barSpace()} height={row - 10} rx={4} class="bar sent" classList={{ empty: data().sent === 0 }} />
                <text x={width()} y={row / 2} dominant-baseline="central" text-anchor="end" class="funnel-value strong">
                  {data().sent}
                </text>
              </g>
              <For each={outcomes}>
                {(o, i) => (
                  <g class="funnel-row" transform={`translate(0 ${row * (i() + 1)})`}>
                    <text x={0} y={row / 2} dominant-baseline="central" class="funnel-label">
                      {o.label}
                    </text>
                    <rect x={labelWidth()} y={7} width={barSpace()} height={row - 14} rx={3} class="bar track" />
                    <rect x={labelWidth()} y={7} width={barOf(data()[o.key], data().sent)} height={row - 14} rx={3} class={`bar ${o.key}`} />
                    <text x={width()} y={row / 2} dominant-baseline="central" text-anchor="end" class="funnel-value">
                      {data()[o.key]} · {percent(data()[o.key], data().sent)}%
                    </text>
                  </g>
                )}
              </For>
            </svg>
            <details class="funnel-table">
              <summary>Show as a table</summary>
              <table class="figures">
                <caption class="visually-hidden">Invitation funnel</caption>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Invitations</th>
                    <th scope="col">Share of sent</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">Sent</th>
                    <td>{data().sent}</td>
                    <td>100%</td>
                  </tr>
                  <For each={outcomes}>
                    {(o) => (
                      <tr>
                        <th scope="row">{o.label}</th>
                        <td>{data()[o.key]}</td>
                        <td>{percent(data()[o.key], data().sent)}%</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </details>
          </>
        )}
      </Show>
    </figure>
  );
}
