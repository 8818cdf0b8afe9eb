CREATE TABLE `mail_pace` (
	`id` text PRIMARY KEY NOT NULL,
	`next_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_messages_received` ON `webhook_messages` (`received_at`);--> statement-breakpoint
ALTER TABLE `invitations` ADD `last_mail_id` text;--> statement-breakpoint
ALTER TABLE `invitations` ADD `welcome_email` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `mail_outbox` ADD `provider_id` text;--> statement-breakpoint
CREATE INDEX `mail_outbox_provider` ON `mail_outbox` (`provider_id`);--> statement-breakpoint
CREATE INDEX `mail_outbox_invitation` ON `mail_outbox` (`invitation_id`);--> statement-breakpoint
-- Existing invitations: their latest mail is the newest outbox row written for them.
UPDATE `invitations` SET `last_mail_id` = (SELECT `id` FROM `mail_outbox` WHERE `mail_outbox`.`invitation_id` = `invitations`.`id` ORDER BY `created_at` DESC, `id` DESC LIMIT 1);
