import { useParams, type RouteSectionProps } from "@solidjs/router";
import { Shell } from "./Shell.tsx";

/** The frame of every `/orgs/:slug/…` page. */
export default function OrgLayout(props: RouteSectionProps) {
  const params = useParams<{ slug: string }>();
  return <Shell currentOrg={params.slug}>{props.children}</Shell>;
}
