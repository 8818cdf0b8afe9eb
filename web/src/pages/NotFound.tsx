import { A, useLocation } from "@solidjs/router";
import { PublicLayout, setTitle } from "../components/Layouts.tsx";

/** Any path the dashboard does not know. */
export default function NotFoundPage() {
  setTitle("Not found");
  const location = useLocation();
  return (
    <PublicLayout>
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{location.pathname}</code>.
      </p>
      <A href="/" class="button primary">
        Go to your dashboard
      </A>
    </PublicLayout>
  );
}
