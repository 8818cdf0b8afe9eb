CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`plan` text DEFAULT 'free' NOT NULL,
	`seat_limit` integer NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`auto_private_project` integer DEFAULT false NOT NULL,
	`allowed_email_domains` text DEFAULT '[]' NOT NULL,
	`default_invite_ttl_days` integer DEFAULT 7 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "organizations_slug_format" CHECK("organizations"."slug" GLOB '[a-z0-9]*' AND "organizations"."slug" NOT GLOB '*[^a-z0-9-]*' AND length("organizations"."slug") BETWEEN 2 AND 48),
	CONSTRAINT "organizations_seat_limit_nonnegative" CHECK("organizations"."seat_limit" >= 0),
	CONSTRAINT "organizations_status" CHECK("organizations"."status" IN ('active', 'dormant')),
	CONSTRAINT "organizations_invite_ttl" CHECK("organizations"."default_invite_ttl_days" BETWEEN 1 AND 30)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_slug_unique` ON `organizations` (`slug`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`email_verified_at` integer,
	`username` text,
	`name` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`last_login_at` integer,
	CONSTRAINT "users_email_lower" CHECK("users"."email" = lower("users"."email"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (lower("username"));--> statement-breakpoint
CREATE TABLE `memberships` (
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`user_name` text DEFAULT '' NOT NULL,
	`user_email` text NOT NULL,
	`joined_via` text NOT NULL,
	`link_tag` text,
	`joined_at` integer NOT NULL,
	`last_active_at` integer,
	PRIMARY KEY(`org_id`, `user_id`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "memberships_role" CHECK("memberships"."role" IN ('owner', 'admin', 'member', 'restricted')),
	CONSTRAINT "memberships_joined_via" CHECK("memberships"."joined_via" IN ('created', 'invitation', 'link', 'api'))
);
--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE INDEX `memberships_org_name` ON `memberships` (`org_id`,lower("user_name"),`user_id`);--> statement-breakpoint
CREATE INDEX `memberships_org_email` ON `memberships` (`org_id`,`user_email`,`user_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_seen_at` integer,
	`revoked_at` integer,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`data` text DEFAULT '{}' NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "audit_events_actor_type" CHECK("audit_events"."actor_type" IN ('user', 'api_key', 'system'))
);
--> statement-breakpoint
CREATE INDEX `audit_events_org` ON `audit_events` (`org_id`,`id`);