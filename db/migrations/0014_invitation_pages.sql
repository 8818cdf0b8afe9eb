CREATE INDEX `invitations_org_id` ON `invitations` (`org_id`,`id`);--> statement-breakpoint
CREATE INDEX `invitations_org_status_id` ON `invitations` (`org_id`,`status`,`id`);