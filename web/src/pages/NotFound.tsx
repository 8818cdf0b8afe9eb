import { PublicLayout, setTitle } from "../components/Layouts.tsx";
import { Link, path } from "../router.tsx";

/** Any path the dashboard does not know. */
export function NotFoundPage() {
  setTitle("Not found");
  return (
    <PublicLayout>
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{path()}</code>.
      </p>
      <Link href="/" class="button primary">
        Go to your dashboard
      </Link>
    </PublicLayout>
  );
}
