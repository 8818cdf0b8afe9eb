CREATE TABLE `project_members` (
	`project_id` text NOT NULL,
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `user_id`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "project_members_role" CHECK("project_members"."role" IN ('owner', 'admin', 'use', 'viewer'))
);
--> statement-breakpoint
CREATE INDEX `project_members_org_user` ON `project_members` (`org_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "projects_visibility" CHECK("projects"."visibility" IN ('public', 'private'))
);
--> statement-breakpoint
CREATE INDEX `projects_org` ON `projects` (`org_id`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`email` text NOT NULL,
	`username` text,
	`invitee_user_id` text,
	`role` text NOT NULL,
	`project_assignments` text DEFAULT '[]' NOT NULL,
	`message` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`delivery` text DEFAULT 'queued' NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`send_count` integer DEFAULT 1 NOT NULL,
	`last_sent_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`responded_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "invitations_status" CHECK("invitations"."status" IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
	CONSTRAINT "invitations_role" CHECK("invitations"."role" IN ('owner', 'admin', 'member', 'restricted')),
	CONSTRAINT "invitations_email_lower" CHECK("invitations"."email" = lower("invitations"."email"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_pending_email` ON `invitations` (`org_id`,`email`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `invitations_org_status` ON `invitations` (`org_id`,`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `invitations_invitee` ON `invitations` (`email`,`status`);--> statement-breakpoint
CREATE TABLE `mail_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text,
	`invitation_id` text,
	`to` text NOT NULL,
	`template` text NOT NULL,
	`params` text,
	`idempotency_key` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	CONSTRAINT "mail_outbox_status" CHECK("mail_outbox"."status" IN ('queued', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `mail_outbox_due` ON `mail_outbox` (`org_id`,`status`,`next_attempt_at`);