CREATE TABLE `org_links` (
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`generation` integer DEFAULT 1 NOT NULL,
	`tag` text NOT NULL,
	`rotated_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `kind`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "org_links_kind" CHECK("org_links"."kind" IN ('new', 'existing'))
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer,
	`body` text,
	`content_type` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
ALTER TABLE `organizations` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `organizations` ADD `deleted_owner_ids` text;--> statement-breakpoint
ALTER TABLE `login_tokens` ADD `intent` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `personal_user_id` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `created_by` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `updated_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `projects_org_name` ON `projects` (`org_id`,lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `projects_personal` ON `projects` (`org_id`,`personal_user_id`) WHERE personal_user_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_events_org_target` ON `audit_events` (`org_id`,`target_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_org_actor` ON `audit_events` (`org_id`,`actor_id`,`id`);